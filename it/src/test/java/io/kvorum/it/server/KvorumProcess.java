package io.kvorum.it.server;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kvorum distribution ({@code kvorum.home}, normally {@code launcher/target/kvorum}) started as
 * {@code bin/kvorum} with etcd's flags. It binds its client port itself (port 0) and tells us
 * which one on stdout: {@code kvorum: serving client requests on http://127.0.0.1:<port>}.
 */
public final class KvorumProcess extends ServerProcess {
    private static final Pattern SERVING = Pattern.compile("kvorum: serving client requests on (http://\\S+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

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
        command.addAll(spec.extraFlags());
        Path logDir = spec.workDir().resolve("kvorum-" + System.nanoTime());
        ManagedProcess process = ManagedProcess.start("kvorum", command, logDir, Map.of());
        URI url = awaitServingLine(process);
        return new KvorumProcess(spec, process, url);
    }

    private static URI awaitServingLine(ManagedProcess process) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = SERVING.matcher(process.stdoutText());
            if (m.find()) {
                return URI.create(m.group(1));
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("kvorum exited before serving client requests\n" + process.tail(60));
            }
            ManagedProcess.pause(50);
        }
        String tail = process.tail(60);
        process.kill();
        throw new IllegalStateException("kvorum printed no 'kvorum: serving client requests on' line within "
                + START_TIMEOUT.toSeconds() + " s\n" + tail);
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
