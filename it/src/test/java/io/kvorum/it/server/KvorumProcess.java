package io.kvorum.it.server;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The kvorum distribution ({@code kvorum.home}, normally {@code launcher/target/kvorum}) started as
 * {@code bin/kvorum} with etcd's flags. It binds its client port itself (port 0) and tells us
 * which one on stdout: {@code kvorum: serving client requests on http://127.0.0.1:<port>}. The
 * storage backend is the distribution's default unless {@value #BACKEND_PROPERTY} names another:
 * the black-box suite runs once per backend.
 */
public final class KvorumProcess extends ServerProcess {
    /** The backend every start uses unless a test names one; empty for the distribution's default. */
    public static final String BACKEND_PROPERTY = "kvorum.it.backend";

    private KvorumProcess(ServerSpec spec, ManagedProcess process, URI clientUrl) {
        super(spec, process, clientUrl);
    }

    /** The distribution's folder, from the system property the module's pom sets. */
    public static Path home() {
        String home = System.getProperty("kvorum.home", "");
        if (home.isBlank()) {
            throw new IllegalStateException("system property kvorum.home is not set (the it module's pom sets it)");
        }
        return Path.of(home).toAbsolutePath().normalize();
    }

    public static KvorumProcess start(ServerSpec spec) {
        return start(spec, 0);
    }

    /** Starts listening for clients on {@code port}; 0 lets kvorum pick a free one. */
    private static KvorumProcess start(ServerSpec spec, int port) {
        Path launcher = home().resolve("bin").resolve("kvorum");
        if (!Files.isExecutable(launcher)) {
            throw new IllegalStateException("the kvorum distribution is missing: no executable " + launcher
                    + ". Build it first (mvn -pl launcher -am package), or run these tests against real etcd"
                    + " with -Dkvorum.it.target=etcd");
        }
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(spec.memberFlags());
        String clientUrl = "http://127.0.0.1:" + port;
        command.addAll(List.of(
                "--listen-client-urls", clientUrl,
                "--advertise-client-urls", clientUrl));
        command.addAll(backendFlags(spec));
        command.addAll(spec.extraFlags());
        Path logDir = spec.workDir().resolve("kvorum-" + System.nanoTime());
        ManagedProcess process = ManagedProcess.start("kvorum", command, logDir, Map.of());
        URI url = process.awaitServing();
        List<String> backend = backendFlags(spec);
        if (!backend.isEmpty()) {
            awaitBackendOpened(process, backend.get(1));
        }
        return new KvorumProcess(spec, process, url);
    }

    /**
     * {@code --backend <name>} when the run names a backend ({@code -Dkvorum.it.backend}, set by the
     * pom's per-backend execution) and the test does not choose one itself; else the default.
     */
    static List<String> backendFlags(ServerSpec spec) {
        String backend = System.getProperty(BACKEND_PROPERTY, "").trim();
        boolean chosenByTest = spec.extraFlags().stream()
                .anyMatch(f -> f.equals("--backend") || f.startsWith("--backend="));
        return backend.isEmpty() || chosenByTest ? List.of() : List.of("--backend", backend);
    }

    /** Proves the run uses the backend it names: the server logs which one it opened. */
    private static void awaitBackendOpened(ManagedProcess process, String backend) {
        String line = "\"msg\":\"opened backend db\"";
        String field = "\"backend\":\"" + backend + "\"";
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (process.stderrText().lines().noneMatch(l -> l.contains(line) && l.contains(field))) {
            if (System.nanoTime() > deadline) {
                String tail = process.tail(60);
                process.kill();
                throw new IllegalStateException("kvorum did not log " + line + " with " + field + "\n" + tail);
            }
            ManagedProcess.pause(50);
        }
    }

    @Override
    public String kind() {
        return "kvorum";
    }

    @Override
    public KvorumProcess restart() {
        if (isAlive()) {
            throw new IllegalStateException("restart of a running " + this);
        }
        return start(spec());
    }

    @Override
    public KvorumProcess restartOnSameClientPort() {
        if (isAlive()) {
            throw new IllegalStateException("restart of a running " + this);
        }
        return start(spec(), port());
    }
}
