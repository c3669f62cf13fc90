package io.kvorum.it.tls;

import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One kvorum member started from the distribution with TLS flags; its https client URL read from stdout. */
final class TlsMember implements AutoCloseable {
    final ManagedProcess process;
    final List<URI> clientUrls;

    private TlsMember(ManagedProcess process, List<URI> clientUrls) {
        this.process = process;
        this.clientUrls = clientUrls;
    }

    /** Starts a member listening on {@code listenUrls} with {@code tlsFlags}; waits for its serving lines. */
    static TlsMember start(Path workDir, List<String> listenUrls, List<String> tlsFlags) {
        ManagedProcess process = ManagedProcess.start("kvorum-tls", command(workDir, listenUrls, tlsFlags),
                workDir.resolve("log-" + System.nanoTime()), Map.of());
        return new TlsMember(process, process.awaitServing(listenUrls.size()));
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
                "--data-dir", workDir.resolve("data").toString(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "tls=" + peer,
                "--listen-client-urls", String.join(",", listenUrls),
                "--advertise-client-urls", String.join(",", listenUrls)));
        command.addAll(tlsFlags);
        return command;
    }

    URI url(String scheme) {
        return clientUrls.stream().filter(u -> u.getScheme().equals(scheme)).findFirst().orElseThrow();
    }

    @Override
    public void close() {
        process.close();
    }
}
