package io.kvorum.it.etcdctl;

import io.kvorum.it.server.ServerProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs a {@link Script} step by step against one fresh server and normalizes what etcdctl printed. */
final class ScenarioRun {
    private static final Pattern CLUSTER_ID = Pattern.compile("\"cluster_id\":(\\d+)");
    private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\":(\\d+)");

    private ScenarioRun() {
    }

    static Transcript run(Etcdctl etcdctl, Script script, ServerProcess server) {
        Normalizer normalizer = normalizerFor(etcdctl, server);
        List<Transcript.Outcome> outcomes = new ArrayList<>();
        for (Script.Step step : script.steps()) {
            Etcdctl.Result result = etcdctl.run(server.clientUrl(), step.args(), step.stdin());
            outcomes.add(new Transcript.Outcome(step.command(), step.stdin(), result.exitCode(),
                    normalizer.normalize(result.stdout()), normalizer.normalize(result.stderr())));
        }
        return new Transcript(List.copyOf(outcomes));
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
