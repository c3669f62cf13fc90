package io.kvorum.it.cluster;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvorum.api.etcdserverpb.Member;
import io.kvorum.api.etcdserverpb.MemberAddRequest;
import io.kvorum.api.etcdserverpb.MemberAddResponse;
import io.kvorum.api.etcdserverpb.MemberListRequest;
import io.kvorum.api.etcdserverpb.MemberRemoveRequest;
import io.kvorum.api.etcdserverpb.MoveLeaderRequest;
import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.ServerSpec;
import io.kvorum.it.server.Target;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;

/**
 * A cluster of real processes of one {@link Target} on loopback: the kvorum distribution started
 * with {@code --consensus raft}, or real etcd. Each member gets a client and a peer port picked
 * free beforehand and keeps them across restarts. Members boot together with etcd's clustering
 * flags and short Raft timing for tests ({@link #HEARTBEAT}, {@link #ELECTION_TIMEOUT}); the
 * cluster can then lose members to kill -9, restart them, and grow through MemberAdd.
 * {@link #close()} stops only the processes it started, by handle, and deletes their data (the
 * logs stay under {@code target/it-work}).
 */
public final class Cluster implements AutoCloseable {
    /** {@code --heartbeat-interval}: short, so that faults heal quickly in tests. */
    public static final Duration HEARTBEAT = Duration.ofMillis(100);
    /** {@code --election-timeout}: ten heartbeats, enough for a loaded test machine. */
    public static final Duration ELECTION_TIMEOUT = Duration.ofMillis(1000);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final Target target;
    private final Path workDir;
    private final String token;
    private final List<String> clusterFlags;
    private final PeerFront front;
    private final List<ClusterMember> members = new ArrayList<>();
    private int named;

    private Cluster(Target target, Path workDir, String token, List<String> clusterFlags, PeerFront front) {
        this.target = target;
        this.workDir = workDir;
        this.token = token;
        this.clusterFlags = List.copyOf(clusterFlags);
        this.front = front;
    }

    /**
     * Where the other members reach a member's peer port: the port itself, or a port in front of it
     * (a proxy that can cut the member off). Asked once per member, before it first starts.
     */
    @FunctionalInterface
    public interface PeerFront {
        PeerFront DIRECT = (name, listenPeerPort) -> listenPeerPort;

        /** The port to advertise and list in {@code --initial-cluster} for member {@code name}. */
        int advertisedPort(String name, int listenPeerPort);
    }

    /** {@code size} members of the current target, started together; returns once every one serves. */
    public static Cluster start(String label, int size, String... extraFlags) {
        return start(Target.current(), label, size, extraFlags);
    }

    /**
     * {@code size} members of {@code target}, all flags in {@code extraFlags} given to every member
     * (e.g. {@code --snapshot-count 100}). Against etcd the test is skipped when etcd is not installed.
     */
    public static Cluster start(Target target, String label, int size, String... extraFlags) {
        return start(target, label, size, PeerFront.DIRECT, extraFlags);
    }

    /** As {@link #start(Target, String, int, String...)}, the members' peers reaching them through {@code front}. */
    public static Cluster start(Target target, String label, int size, PeerFront front, String... extraFlags) {
        return start(target, label, size, front, (member, initialCluster) -> { }, extraFlags);
    }

    /**
     * As {@link #start(String, int, String...)}, each member's data dir first made by {@code prepare}
     * (given the member and the {@code --initial-cluster} value), e.g. restored from a snapshot.
     */
    public static Cluster startPrepared(String label, int size, BiConsumer<ClusterMember, String> prepare,
                                        String... extraFlags) {
        return start(Target.current(), label, size, PeerFront.DIRECT, prepare, extraFlags);
    }

    private static Cluster start(Target target, String label, int size, PeerFront front,
                                 BiConsumer<ClusterMember, String> prepare, String... extraFlags) {
        if (target == Target.ETCD) {
            Assumptions.assumeTrue(Binaries.etcd().isPresent(), "etcd is not installed (Debian package etcd-server)");
        }
        Path base = Path.of(System.getProperty("kvorum.it.work.dir",
                System.getProperty("java.io.tmpdir") + "/kvorum-it"));
        String dirName = label + "-" + target.name().toLowerCase() + "-" + ProcessHandle.current().pid() + "-"
                + SEQUENCE.incrementAndGet();
        Path dir;
        try {
            dir = Files.createDirectories(base.resolve(dirName)).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a work directory under " + base, e);
        }
        List<String> flags = new ArrayList<>(List.of(
                "--heartbeat-interval", Long.toString(HEARTBEAT.toMillis()),
                "--election-timeout", Long.toString(ELECTION_TIMEOUT.toMillis()),
                // kvorum's default, not etcd 3.4's: both clusters then elect the same way
                "--pre-vote=true"));
        flags.addAll(List.of(extraFlags));
        Cluster cluster = new Cluster(target, dir, dirName, flags, front);
        try {
            for (int i = 0; i < size; i++) {
                cluster.newMember();
            }
            String initialCluster = cluster.members.stream().map(ClusterMember::initialClusterEntry)
                    .collect(Collectors.joining(","));
            for (ClusterMember m : cluster.members) {
                prepare.accept(m, initialCluster);
            }
            for (ClusterMember m : cluster.members) {
                m.boot(initialCluster, "new", cluster.token);
            }
            for (ClusterMember m : cluster.members) {
                m.awaitServing();
            }
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    public Target target() {
        return target;
    }

    /** Every member ever created, started or not, in order of creation. */
    public List<ClusterMember> members() {
        return List.copyOf(members);
    }

    /** The members whose process runs. */
    public List<ClusterMember> running() {
        return members.stream().filter(ClusterMember::isAlive).toList();
    }

    public ClusterMember member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no member " + name));
    }

    /** A member with fresh ports that has not been started (its name is {@code m<n>}). */
    public ClusterMember newMember() {
        named++;
        String name = "m" + named;
        int peerPort = FreePorts.pick();
        ClusterMember m = new ClusterMember(target, name, workDir.resolve(name), FreePorts.pick(), peerPort,
                front.advertisedPort(name, peerPort), clusterFlags);
        members.add(m);
        return m;
    }

    /**
     * Starts a member added to the running cluster (by MemberAdd, etcdctl or the API) with
     * {@code --initial-cluster-state existing} and the given {@code --initial-cluster}; returns
     * once it serves.
     */
    public void bootAdded(ClusterMember member, String initialCluster) {
        member.boot(initialCluster, "existing", token);
        member.awaitServing();
    }

    /**
     * MemberAdd through a running member, then starts the new member with the
     * {@code --initial-cluster} that results (the way etcdctl prints it); returns once it serves.
     */
    public ClusterMember addMember(boolean learner) {
        ClusterMember added = newMember();
        MemberAddRequest request = MemberAddRequest.newBuilder().addPeerURLs(added.peerUrl().toString())
                .setIsLearner(learner).build();
        // etcd refuses with "unhealthy cluster" (Unavailable) until every member has been connected a while
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        MemberAddResponse response;
        while (true) {
            try {
                response = anyRunning().probe().cluster().memberAdd(request);
                break;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || System.nanoTime() > deadline) {
                    throw e;
                }
                ManagedProcess.pause(500);
            }
        }
        List<String> entries = new ArrayList<>();
        for (Member m : response.getMembersList()) {
            String name = m.getID() == response.getMember().getID() ? added.name() : nameOfPeer(m.getPeerURLs(0));
            for (String peer : m.getPeerURLsList()) {
                entries.add(name + "=" + peer);
            }
        }
        bootAdded(added, String.join(",", entries));
        return added;
    }

    /**
     * Waits until the other running members list {@code member} with its name and client URL: it has
     * published its attributes, as etcd does right after it starts.
     */
    public void awaitListed(ClusterMember member) {
        Duration bound = Duration.ofSeconds(30);
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            boolean everywhere = true;
            // every other member (a learner may refuse MemberList)
            for (ClusterMember via : running().stream().filter(m -> m != member).toList()) {
                try {
                    everywhere &= via.probe().cluster().memberList(MemberListRequest.getDefaultInstance()).getMembersList()
                            .stream().anyMatch(m -> m.getName().equals(member.name())
                                    && m.getClientURLsList().contains(member.clientUrl().toString()));
                } catch (StatusRuntimeException e) {
                    everywhere = false;
                }
            }
            if (everywhere) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(member + " is not listed with its name and client URL by every member within "
                        + bound.toSeconds() + " s\n" + logTails());
            }
            ManagedProcess.pause(50);
        }
    }

    /** MemberRemove of {@code member} through another running member; the removed process is then stopped. */
    public void removeMember(ClusterMember member) {
        ClusterMember via = running().stream().filter(m -> m != member).findFirst()
                .orElseThrow(() -> new IllegalStateException("no other running member to remove " + member + " through"));
        via.probe().cluster().memberRemove(MemberRemoveRequest.newBuilder().setID(member.id()).build());
        if (!member.awaitExit(Duration.ofSeconds(10))) {
            member.stop();
        }
    }

    private String nameOfPeer(String peerUrl) {
        return members.stream().filter(m -> m.peerUrl().toString().equals(peerUrl)).map(ClusterMember::name)
                .findFirst().orElseThrow(() -> new IllegalStateException("a member with peer URL " + peerUrl
                        + " that this cluster did not start"));
    }

    public ClusterMember anyRunning() {
        return running().stream().findFirst().orElseThrow(() -> new IllegalStateException("no member is running"));
    }

    /** The running member that reports itself leader, waiting up to {@code timeout} for one. */
    public ClusterMember awaitLeader(Duration timeout) {
        return awaitLeader(timeout, m -> true);
    }

    /** The first running member accepted by {@code which} that reports itself leader, within {@code timeout}. */
    public ClusterMember awaitLeader(Duration timeout, Predicate<ClusterMember> which) {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            Optional<ClusterMember> leader = leaderNow().filter(which);
            if (leader.isPresent()) {
                return leader.get();
            }
            ManagedProcess.pause(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no leader among " + running() + " within " + timeout.toMillis() + " ms\n" + logTails());
    }

    /** The running member that reports itself leader now, if any. */
    public Optional<ClusterMember> leaderNow() {
        return running().stream().filter(ClusterMember::isLeader).findFirst();
    }

    /** The running members that are not the leader (waits for a leader first). */
    public List<ClusterMember> followers() {
        ClusterMember leader = awaitLeader(ELECTION_TIMEOUT.multipliedBy(10));
        return running().stream().filter(m -> m != leader).toList();
    }

    /** Moves leadership to {@code to} (Maintenance.MoveLeader on the leader) and waits until it leads. */
    public void moveLeader(ClusterMember to) {
        Duration bound = ELECTION_TIMEOUT.multipliedBy(10);
        long deadline = System.nanoTime() + bound.toNanos();
        while (!to.isLeader()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("leadership did not move to " + to + " within " + bound.toMillis() + " ms\n"
                        + logTails());
            }
            ClusterMember leader = awaitLeader(bound);
            if (leader != to) {
                try {
                    leader.probe().maintenance().moveLeader(MoveLeaderRequest.newBuilder().setTargetID(to.id()).build());
                } catch (StatusRuntimeException e) {
                    // leadership changed meanwhile, or the transfer timed out: look again
                }
            }
            ManagedProcess.pause(50);
        }
    }

    /** The last lines of every member's logs, for a failure message. */
    public String logTails() {
        StringBuilder out = new StringBuilder();
        for (ClusterMember m : members) {
            out.append("=== ").append(m).append(" ===\n").append(m.logTail()).append('\n');
        }
        return out.toString();
    }

    /**
     * Stops every member (SIGTERM, then SIGKILL after 20 s), all at once: a kvorum member takes
     * about 2 s to stop, which would add up one member after another. Returns what the stops threw.
     */
    private List<RuntimeException> stopEveryMember() {
        List<RuntimeException> failures = new ArrayList<>();
        List<Thread> stopping = new ArrayList<>();
        for (ClusterMember m : members) {
            Thread t = new Thread(() -> {
                try {
                    m.stop();
                } catch (RuntimeException e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }, "stop-" + m.name());
            t.start();
            stopping.add(t);
        }
        for (Thread t : stopping) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while " + this + " stops", e);
            }
        }
        return failures;
    }

    /** Stops every member at once (SIGTERM, then SIGKILL after 20 s), as every member of a real cluster may go down together. */
    public void stopAll() {
        List<RuntimeException> failures = stopEveryMember();
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException("could not stop " + this);
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    /**
     * Closes the probes, then stops every process this cluster started (SIGTERM, then SIGKILL; all
     * members at once) and deletes the data, in the background: the members' ports and data are
     * theirs alone, so the next test need not wait the seconds that takes. The test JVM waits for
     * it before it exits ({@link ManagedProcess#inBackground}).
     */
    @Override
    public void close() {
        for (ClusterMember m : members) {
            m.closeProbe();
        }
        ManagedProcess.inBackground(toString(), () -> {
            Set<Throwable> failures = new HashSet<>(stopEveryMember());
            for (ClusterMember m : members) {
                try {
                    new ServerSpec(m.name(), m.workDir(), m.peerPort(), List.of()).deleteData();
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }
            if (!failures.isEmpty()) {
                IllegalStateException e = new IllegalStateException("could not stop and clean up " + this);
                failures.forEach(e::addSuppressed);
                throw e;
            }
        });
    }

    @Override
    public String toString() {
        return target.name().toLowerCase() + " cluster " + members + " in " + workDir;
    }
}
