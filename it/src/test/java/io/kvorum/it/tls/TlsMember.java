package io.kvorum.it.tls;

import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One member with TLS flags, its client URLs known: kvorum started from the distribution (the URLs read from
 * its stdout), or real etcd as the oracle.
 */
final class TlsMember implements AutoCloseable {
    /** How long etcd may take to log that it serves each client listener. */
    private static final Duration ETCD_START_TIMEOUT = Duration.ofSeconds(60);

    final ManagedProcess process;
    final List<URI> clientUrls;
    private final Path dataDir;

    private TlsMember(ManagedProcess process, List<URI> clientUrls, Path dataDir) {
        this.process = process;
        this.clientUrls = clientUrls;
        this.dataDir = dataDir;
    }

    /** Starts a member listening on {@code listenUrls} with {@code tlsFlags}; waits for its serving lines. */
    static TlsMember start(Path workDir, List<String> listenUrls, List<String> tlsFlags) {
        ManagedProcess process = ManagedProcess.start("kvorum-tls", command(workDir, listenUrls, tlsFlags),
                workDir.resolve("log-" + System.nanoTime()), Map.of());
        return new TlsMember(process, process.awaitServing(listenUrls.size()), dataDir(workDir));
    }

    /**
     * Starts real etcd with a client URL of each of {@code schemes} on 127.0.0.1 and {@code tlsFlags}; waits
     * until it logs that it serves each. etcd cannot report a port it bound itself, so the ports are picked free
     * beforehand, and picked again when one was taken meanwhile.
     */
    static TlsMember startEtcd(Path workDir, List<String> schemes, List<String> tlsFlags) {
        Path etcd = Binaries.etcd().orElseThrow(() -> new IllegalStateException("etcd is not installed"));
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            List<String> listenUrls = schemes.stream().map(s -> s + "://127.0.0.1:" + FreePorts.pick()).toList();
            // a folder of its own for each attempt: etcd may have begun its data directory before giving up
            Path home = workDir.resolve("etcd-" + attempt);
            List<String> command = command(home, listenUrls, tlsFlags);
            command.set(0, etcd.toString());
            command.addAll(List.of("--logger", "zap", "--log-outputs", "stderr"));
            ManagedProcess process = ManagedProcess.start("etcd-tls", command,
                    workDir.resolve("log-" + System.nanoTime()), Map.of());
            try {
                awaitEtcdServing(process, schemes);
                return new TlsMember(process, listenUrls.stream().map(URI::create).toList(), dataDir(home));
            } catch (IllegalStateException e) {
                process.kill();
                if (!e.getMessage().contains("address already in use")) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    /** etcd logs one of these for each client listener once it serves it. */
    private static void awaitEtcdServing(ManagedProcess process, List<String> schemes) {
        long secure = schemes.stream().filter("https"::equals).count();
        long insecure = schemes.size() - secure;
        long deadline = System.nanoTime() + ETCD_START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String log = process.stderrText();
            if (occurrences(log, "serving client traffic securely") >= secure
                    && occurrences(log, "serving client traffic insecurely") >= insecure) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited during start\n" + process.tail(60));
            }
            ManagedProcess.pause(50);
        }
        throw new IllegalStateException("etcd did not serve its client URLs within " + ETCD_START_TIMEOUT.toSeconds()
                + " s\n" + process.tail(60));
    }

    private static long occurrences(String text, String line) {
        long count = 0;
        for (int at = text.indexOf(line); at >= 0; at = text.indexOf(line, at + 1)) {
            count++;
        }
        return count;
    }

    /** Starts a member expected to fail; returns the ended process. */
    static ManagedProcess startFailing(Path workDir, List<String> listenUrls, List<String> tlsFlags) {
        ManagedProcess process = ManagedProcess.start("kvorum-tls-failing", command(workDir, listenUrls, tlsFlags),
                workDir.resolve("log-" + System.nanoTime()), Map.of());
        if (!process.waitFor(Duration.ofSeconds(60))) {
            process.kill();
            throw new IllegalStateException("kvorum did not exit\n" + process.tail(40));
        }
        return process;
    }

    private static List<String> command(Path workDir, List<String> listenUrls, List<String> tlsFlags) {
        int peerPort = FreePorts.pick();
        String peer = "http://127.0.0.1:" + peerPort;
        List<String> command = new ArrayList<>(List.of(
                KvorumProcess.home().resolve("bin/kvorum").toString(),
                "--name", "tls",
                "--data-dir", dataDir(workDir).toString(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "tls=" + peer,
                "--listen-client-urls", String.join(",", listenUrls),
                "--advertise-client-urls", String.join(",", listenUrls)));
        command.addAll(tlsFlags);
        return command;
    }

    private static Path dataDir(Path workDir) {
        return workDir.resolve("data");
    }

    URI url(String scheme) {
        return clientUrls.stream().filter(u -> u.getScheme().equals(scheme)).findFirst().orElseThrow();
    }

    @Override
    public void close() {
        process.close();
    }

    /** Removes the stopped member's data directory (etcd's preallocated WAL is large); the logs stay. */
    void deleteData() {
        if (!Files.exists(dataDir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dataDir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dataDir, e);
        }
    }
}
