package io.kvorum.it.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * A real etcd (the oracle) started with the same flags as kvorum. etcd cannot report a port it
 * bound itself, so the client port is picked free beforehand; it is ready once {@code /health}
 * on the client URL says {@code "health":"true"} (it has a leader and serves a read).
 */
public final class EtcdProcess extends ServerProcess {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private EtcdProcess(ServerSpec spec, ManagedProcess process, URI clientUrl) {
        super(spec, process, clientUrl);
    }

    public static EtcdProcess start(ServerSpec spec) {
        return start(spec, FreePorts::pick, 3);
    }

    /** Tries up to {@code attempts} ports from {@code port}. */
    private static EtcdProcess start(ServerSpec spec, IntSupplier port, int attempts) {
        Path etcd = Binaries.etcd().orElseThrow(() -> new IllegalStateException("etcd is not installed"));
        IllegalStateException last = null;
        for (int attempt = 0; attempt < attempts; attempt++) {
            URI url = URI.create("http://127.0.0.1:" + port.getAsInt());
            List<String> command = new ArrayList<>();
            command.add(etcd.toString());
            command.addAll(spec.memberFlags());
            command.addAll(List.of(
                    "--listen-client-urls", url.toString(),
                    "--advertise-client-urls", url.toString(),
                    "--logger", "zap", "--log-outputs", "stderr"));
            command.addAll(spec.extraFlags());
            Path logDir = spec.workDir().resolve("etcd-" + System.nanoTime());
            ManagedProcess process = ManagedProcess.start("etcd", command, logDir, Map.of());
            try {
                awaitHealthy(process, url);
                return new EtcdProcess(spec, process, url);
            } catch (IllegalStateException e) {
                process.kill();
                last = e;
                // a port picked free may have been taken meanwhile: try other ports
                if (!e.getMessage().contains("address already in use")) {
                    throw e;
                }
            }
        }
        throw last;
    }

    private static void awaitHealthy(ManagedProcess process, URI url) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest health = HttpRequest.newBuilder(url.resolve("/health")).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited during start\n" + process.tail(60));
            }
            try {
                HttpResponse<String> response = http.send(health, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"health\":\"true\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            ManagedProcess.pause(50);
        }
        throw new IllegalStateException("etcd at " + url + " not healthy within " + START_TIMEOUT.toSeconds()
                + " s\n" + process.tail(60));
    }

    /** The first line of {@code etcd --version}, e.g. {@code etcd Version: 3.4.23}. */
    public static String version() {
        Path etcd = Binaries.etcd().orElseThrow(() -> new IllegalStateException("etcd is not installed"));
        try {
            Process p = new ProcessBuilder(etcd.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor();
            return out.lines().findFirst().orElse("etcd (unknown version)");
        } catch (IOException e) {
            return "etcd (unknown version: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "etcd (unknown version)";
        }
    }

    @Override
    public String kind() {
        return "etcd";
    }

    @Override
    public EtcdProcess restart() {
        if (isAlive()) {
            throw new IllegalStateException("restart of a running " + this);
        }
        return start(spec());
    }

    @Override
    public EtcdProcess restartOnSameClientPort() {
        if (isAlive()) {
            throw new IllegalStateException("restart of a running " + this);
        }
        int samePort = port();
        return start(spec(), () -> samePort, 1);
    }
}
