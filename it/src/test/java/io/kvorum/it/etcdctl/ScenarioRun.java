package io.kvorum.it.etcdctl;

import io.kvorum.it.server.ServerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a {@link Script} step by step against one fresh server and normalizes what etcdctl printed.
 * Background etcdctl processes it started are ended when the script ends, whatever happens.
 */
final class ScenarioRun {
    private static final Pattern CLUSTER_ID = Pattern.compile("\"cluster_id\":(\\d+)");
    private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\":(\\d+)");
    /** How long a step waits for a background etcdctl: far beyond what real etcd needs. */
    private static final Duration AWAIT = Duration.ofSeconds(20);

    private final Etcdctl etcdctl;
    private final ServerProcess server;
    private final Normalizer normalizer;
    private final Map<String, Background> background = new LinkedHashMap<>();

    private ScenarioRun(Etcdctl etcdctl, ServerProcess server) {
        this.etcdctl = etcdctl;
        this.server = server;
        this.normalizer = normalizerFor(etcdctl, server);
    }

    static Transcript run(Etcdctl etcdctl, Script script, ServerProcess server) {
        ScenarioRun run = new ScenarioRun(etcdctl, server);
        try {
            List<Transcript.Outcome> outcomes = new ArrayList<>();
            for (Script.Step step : script.steps()) {
                outcomes.add(run.step(step));
            }
            List<String> left = run.background.entrySet().stream()
                    .filter(e -> e.getValue().look().exitCode() == Transcript.Outcome.RUNNING)
                    .map(Map.Entry::getKey).toList();
            if (!left.isEmpty()) {
                throw new IllegalStateException(script.name() + ".script leaves background steps running: " + left
                        + "; end them with 'stop <name>' or 'await <name> exit'");
            }
            return new Transcript(List.copyOf(outcomes));
        } finally {
            run.background.values().forEach(Background::close);
        }
    }

    private Transcript.Outcome step(Script.Step step) {
        if (step instanceof Script.Run run) {
            List<String> args = arguments(run.args());
            Etcdctl.Result result = etcdctl.run(server.clientUrl(), args, run.stdin());
            return outcome(step, run.stdin(), result.exitCode(), result.stdout(), result.stderr());
        }
        if (step instanceof Script.Start start) {
            Background process = new Background(etcdctl.start(server.clientUrl(), arguments(start.args()),
                    server.spec().workDir().resolve("etcdctl-" + start.name() + "-" + System.nanoTime())));
            background.put(start.name(), process);
            // what it prints shows in later steps: at this point, how much it has printed is a race
            boolean connected = process.awaitConnected(server.port(), AWAIT);
            return outcome(step, "", connected ? Transcript.Outcome.RUNNING : Transcript.Outcome.TIMED_OUT, "", "");
        }
        if (step instanceof Script.Await await) {
            Background process = background.get(await.name());
            boolean done = await.lines().isPresent()
                    ? process.awaitLines(await.lines().getAsInt(), AWAIT)
                    : process.awaitExit(AWAIT);
            return shown(step, process, done);
        }
        if (step instanceof Script.Peek peek) {
            return shown(step, background.get(peek.name()), true);
        }
        if (step instanceof Script.Stop stop) {
            Background process = background.get(stop.name());
            boolean ended = process.stop(stop.signal(), AWAIT);
            return shown(step, process, ended);
        }
        if (step instanceof Script.Sleep sleep) {
            pause(sleep.duration());
            return outcome(step, "", 0, "", "");
        }
        throw new IllegalArgumentException("unknown step " + step);
    }

    /** The arguments with lease placeholders replaced; lock and election names noted for masking. */
    private List<String> arguments(List<String> args) {
        List<String> real = args.stream().map(normalizer::withRealLeases).toList();
        if (!real.isEmpty() && (real.get(0).equals("lock") || real.get(0).equals("elect"))) {
            real.stream().skip(1).filter(a -> !a.startsWith("-")).findFirst().ifPresent(normalizer::keysNamedByLease);
        }
        return real;
    }

    private Transcript.Outcome shown(Script.Step step, Background process, boolean inTime) {
        Background.Look look = process.look();
        return outcome(step, "", inTime ? look.exitCode() : Transcript.Outcome.TIMED_OUT, look.stdout(), look.stderr());
    }

    private Transcript.Outcome outcome(Script.Step step, String stdin, int exitCode, String stdout, String stderr) {
        return new Transcript.Outcome(step.command(), stdin, exitCode, normalizer.normalize(stdout),
                normalizer.normalize(stderr));
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Learns the server's member and cluster IDs (to mask them) from {@code endpoint status -w json}. */
    private static Normalizer normalizerFor(Etcdctl etcdctl, ServerProcess server) {
        Etcdctl.Result status = etcdctl.run(server.clientUrl(), List.of("endpoint", "status", "-w", "json"), "");
        return new Normalizer(server.clientUrl(), server.spec().peerUrl(),
                unsignedOrZero(MEMBER_ID.matcher(status.stdout())),
                unsignedOrZero(CLUSTER_ID.matcher(status.stdout())));
    }

    private static long unsignedOrZero(Matcher m) {
        return m.find() ? Long.parseUnsignedLong(m.group(1)) : 0;
    }
}
