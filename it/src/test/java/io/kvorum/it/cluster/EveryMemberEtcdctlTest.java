package io.kvorum.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.Target;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real etcdctl, pointed at one member at a time of a 3-member cluster, prints the same for the
 * current target as for real etcd: put, get, watch, lease grant, keep-alive (streaming and
 * {@code --once}), time-to-live, list and revoke, lock and elect, through each member; then, after
 * kill -9 of the leader, keep-alive and time-to-live of a lease granted before, through each
 * member left. Lease ids and the seconds a lease has left are masked; everything else must match.
 */
@Tag("cluster")
class EveryMemberEtcdctlTest {
    private static final Pattern GRANTED = Pattern.compile("^lease ([0-9a-f]+) granted with TTL", Pattern.MULTILINE);
    /**
     * etcdctl prints lease ids as %016x; an election key is the election's name, '/', and the lease
     * id as %x (no leading zeros).
     */
    private static final Pattern LEASE_ID = Pattern.compile("\\b[0-9a-f]{16}\\b|(?<=/)[0-9a-f]{1,16}\\b");
    private static final Pattern REMAINING = Pattern.compile("remaining\\((\\d+)s\\)");
    /** etcd lists a lease's keys in Go's map order, which changes from call to call: compared sorted. */
    private static final Pattern ATTACHED_KEYS = Pattern.compile("attached keys\\(\\[([^\\]]*)\\]\\)");

    record Step(String command, int exitCode, String stdout, String stderr) {
        String render() {
            return "$ etcdctl " + command + "\n[exit " + exitCode + "]\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    @Test
    void etcdctlPrintsTheSameThroughEveryMemberAsWithRealEtcdAcrossTheLeadersDeath() {
        Etcdctl etcdctl = Etcdctl.require();
        List<Step> oracle = play(Target.ETCD, etcdctl);
        List<Step> actual = play(Target.current(), etcdctl);
        assertEquals(oracle.size(), actual.size(), "number of steps");
        StringBuilder diffs = new StringBuilder();
        for (int i = 0; i < oracle.size(); i++) {
            if (!oracle.get(i).equals(actual.get(i))) {
                diffs.append("\n=== step ").append(i + 1).append(" differs ===\n--- real etcd:\n")
                        .append(oracle.get(i).render()).append("--- ").append(Target.current()).append(":\n")
                        .append(actual.get(i).render());
            }
        }
        if (!diffs.isEmpty()) {
            fail("etcdctl prints differently through the members of " + Target.current() + " than of real etcd:" + diffs);
        }
        assertTrue(oracle.stream().anyMatch(s -> s.stdout().contains("keepalived with TTL(60)")), "the oracle renewed nothing");
    }

    private static List<Step> play(Target target, Etcdctl etcdctl) {
        try (Cluster cluster = Cluster.start(target, "every-member-etcdctl", 3)) {
            return new Scenario(cluster, etcdctl).play();
        }
    }

    private static final class Scenario {
        private final Cluster cluster;
        private final Etcdctl etcdctl;
        private final List<Step> steps = new ArrayList<>();

        Scenario(Cluster cluster, Etcdctl etcdctl) {
            this.cluster = cluster;
            this.etcdctl = etcdctl;
        }

        List<Step> play() {
            for (ClusterMember m : cluster.members()) {
                everyCallThrough(m);
            }
            ClusterMember leader = cluster.awaitLeader(Duration.ofSeconds(10));
            ClusterMember follower = cluster.followers().get(0);
            String lease = grant(follower, "60");
            leader.kill();
            cluster.awaitLeader(Duration.ofSeconds(20));
            List<ClusterMember> left = cluster.running();
            for (int i = 0; i < left.size(); i++) {
                ClusterMember m = left.get(i);
                step(m, "lease", "keep-alive", "--once", lease);
                step(m, "lease", "timetolive", lease);
                // named by position: which member died differs between the two clusters
                step(m, "put", "after-" + i, "v", "--lease=" + lease);
                step(m, "lease", "timetolive", "--keys", lease);
            }
            step(follower, "lease", "revoke", lease);
            step(follower, "lease", "keep-alive", "--once", lease);
            return steps;
        }

        private void everyCallThrough(ClusterMember m) {
            String n = m.name();
            step(m, "put", "k-" + n, "v");
            step(m, "get", "k-" + n);
            // the watch replays the put from its revision, so no race with its start
            step(m, "put", "w-" + n, "x");
            background(m, 3, "watch", "w-" + n, "--rev=1");

            String lease = grant(m, "60");
            step(m, "put", "leased-" + n, "v", "--lease=" + lease);
            step(m, "lease", "keep-alive", "--once", lease);
            step(m, "lease", "timetolive", "--keys", lease);
            background(m, 1, "lease", "keep-alive", lease);
            Step list = etcdctlStep(m, "lease", "list");
            assertTrue(list.stdout().contains("<lease>"), "lease list through " + n + ": " + list.render());
            recordLine(list, "lease list (first line)");

            step(m, "lock", "lock-" + n, "echo", "locked");
            background(m, 1, "elect", "election-" + n, "me");

            step(m, "lease", "revoke", lease);
            step(m, "lease", "timetolive", lease);
            step(m, "lease", "keep-alive", "--once", lease);
            step(m, "get", "leased-" + n);
        }

        private String grant(ClusterMember m, String ttl) {
            Etcdctl.Result r = etcdctl.run(m.clientUrl(), List.of("lease", "grant", ttl), "");
            Matcher id = GRANTED.matcher(r.stdout());
            if (r.exitCode() != 0 || !id.find()) {
                fail("lease grant through " + m.name() + " failed: " + r + "\n" + cluster.logTails());
            }
            record(List.of("lease", "grant", ttl), r);
            return id.group(1);
        }

        private void step(ClusterMember m, String... args) {
            steps.add(etcdctlStep(m, args));
        }

        private Step etcdctlStep(ClusterMember m, String... args) {
            return normalized(List.of(args), etcdctl.run(m.clientUrl(), List.of(args), ""));
        }

        /** Only the first line of a step's stdout (a list whose order etcd does not fix). */
        private void recordLine(Step s, String what) {
            steps.add(new Step(what, s.exitCode(), s.stdout().lines().findFirst().orElse("") + "\n", s.stderr()));
        }

        /** An etcdctl that runs until stopped: its first {@code lines} lines of output, then SIGINT. */
        private void background(ClusterMember m, int lines, String... args) {
            Path logDir = m.workDir().resolve("etcdctl-" + System.nanoTime());
            try (ManagedProcess p = etcdctl.start(m.clientUrl(), List.of(args), logDir)) {
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (p.isAlive() && p.stdoutText().lines().count() < lines && System.nanoTime() < deadline) {
                    ManagedProcess.pause(20);
                }
                String out = String.join("\n", p.stdoutText().lines().limit(lines).toList()) + "\n";
                boolean alive = p.isAlive();
                if (alive) {
                    try {
                        p.interrupt();
                    } catch (IllegalStateException endedMeanwhile) {
                        // it ended by itself after the look: what it printed is recorded already
                    }
                }
                steps.add(normalized(List.of(args), new Etcdctl.Result(alive ? 0 : p.exitValue(), out,
                        alive ? "" : p.stderrText())));
            }
        }

        private void record(List<String> args, Etcdctl.Result r) {
            steps.add(normalized(args, r));
        }

        private static Step normalized(List<String> args, Etcdctl.Result r) {
            return new Step(mask(String.join(" ", args)), r.exitCode(), mask(r.stdout()), mask(withoutClientLogs(r.stderr())));
        }

        /** etcdctl's client logs its retries as JSON lines; they say how, not what. */
        private static String withoutClientLogs(String stderr) {
            return String.join("", Arrays.stream(stderr.split("(?<=\n)")).filter(l -> !l.startsWith("{\"level\"")).toList());
        }

        private static String mask(String text) {
            String s = LEASE_ID.matcher(text).replaceAll("<lease>");
            Matcher remaining = REMAINING.matcher(s);
            StringBuilder out = new StringBuilder();
            while (remaining.find()) {
                long seconds = Long.parseLong(remaining.group(1));
                // a lease of TTL 60 just granted or renewed has 55 to 60 s left, and up to an election
                // timeout more once a new leader restarted its clock, on either server
                remaining.appendReplacement(out, seconds >= 55 && seconds <= 62 ? "remaining(<about 60>s)" : "$0");
            }
            remaining.appendTail(out);
            return ATTACHED_KEYS.matcher(out).replaceAll(m -> Matcher.quoteReplacement("attached keys(["
                    + String.join(" ", Arrays.stream(m.group(1).split(" ")).sorted().toList()) + "])"));
        }
    }
}
