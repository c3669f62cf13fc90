package io.kvorum.it.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.ServerSpec;
import io.kvorum.it.server.Target;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client that connects while a member starts, before it knows a leader, is served once the
 * member is ready, as etcd serves it: the first answer it gets is the success of its request,
 * not {@code Unavailable}. The request goes out the moment the client port accepts connections.
 * Runs against kvorum or, with {@code -Dkvorum.it.target=etcd}, against etcd.
 */
class StartWhileConnectingTest {
    private static final Duration START = Duration.ofSeconds(60);

    private final List<ManagedProcess> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(p -> p.terminate(Duration.ofSeconds(10)));
    }

    @Test
    void aJetcdPutSentAsTheClientPortOpensIsApplied() throws Exception {
        Member m = startFresh("jetcd-put-at-start");
        m.awaitPortOpen();
        assertFalse(m.isReady(), "the member was ready before the request: nothing was tested");
        // No retries: the first answer is the one that counts.
        try (Client client = Client.builder().endpoints("http://127.0.0.1:" + m.clientPort)
                .retryMaxAttempts(0).build()) {
            client.getKVClient().put(bytes("k"), bytes("v")).get(START.toSeconds(), TimeUnit.SECONDS);

            assertEquals("v", client.getKVClient().get(bytes("k")).get(START.toSeconds(), TimeUnit.SECONDS)
                    .getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
        } catch (ExecutionException e) {
            throw new AssertionError("the put sent during the start failed: " + e.getCause(), e.getCause());
        }
    }

    @Test
    void anEtcdctlPutSentAsTheClientPortOpensIsApplied() throws Exception {
        Path etcdctl = Binaries.etcdctl().orElse(null);
        assumeTrue(etcdctl != null || Binaries.onCi(), "etcdctl is not installed (Debian package etcd-client)");
        Member m = startFresh("etcdctl-put-at-start");
        m.awaitPortOpen();
        assertFalse(m.isReady(), "the member was ready before the request: nothing was tested");

        Run put = etcdctl(etcdctl, m, "put", "k", "v");
        assertEquals(0, put.exit(), "the put sent during the start failed: " + put.output());
        assertEquals("OK", put.output().trim());
        Run get = etcdctl(etcdctl, m, "get", "k", "--print-value-only");
        assertEquals("v", get.output().trim());
    }

    private record Run(int exit, String output) {
    }

    private static Run etcdctl(Path etcdctl, Member m, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(etcdctl.toString(),
                "--endpoints", "127.0.0.1:" + m.clientPort, "--command-timeout", START.toSeconds() + "s"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_"));
        builder.environment().put("ETCDCTL_API", "3");
        Process p = builder.start();
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(START.toSeconds() + 10, TimeUnit.SECONDS), "etcdctl did not exit");
            return new Run(p.exitValue(), output);
        } finally {
            p.destroyForcibly();
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** A freshly started member on a client port chosen here, so clients can dial it before it says where it serves. */
    private Member startFresh(String label) {
        ServerSpec spec = ServerSpec.fresh(label);
        int clientPort = FreePorts.pick();
        String clientUrl = "http://127.0.0.1:" + clientPort;
        boolean etcd = Target.current() == Target.ETCD;
        if (etcd) {
            assumeTrue(Binaries.etcd().isPresent(), "etcd is not installed (Debian package etcd-server)");
        }
        List<String> command = new ArrayList<>();
        command.add(etcd ? Binaries.etcd().orElseThrow().toString() : KvorumProcess.home().resolve("bin/kvorum").toString());
        command.addAll(List.of(
                "--name", spec.name(),
                "--data-dir", spec.dataDir().toString(),
                "--listen-peer-urls", spec.peerUrl().toString(),
                "--initial-advertise-peer-urls", spec.peerUrl().toString(),
                "--initial-cluster", spec.name() + "=" + spec.peerUrl(),
                "--listen-client-urls", clientUrl,
                "--advertise-client-urls", clientUrl));
        ManagedProcess process = ManagedProcess.start(etcd ? "etcd" : "kvorum", command,
                spec.workDir().resolve("log-" + System.nanoTime()), Map.of());
        started.add(process);
        return new Member(process, clientPort, etcd);
    }

    private record Member(ManagedProcess process, int clientPort, boolean etcd) {

        /** Polls the port until it accepts a connection: from then on a client may dial it. */
        void awaitPortOpen() {
            long deadline = System.nanoTime() + START.toNanos();
            while (System.nanoTime() < deadline) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", clientPort), 1000);
                    return;
                } catch (IOException notYet) {
                    assertTrue(process.isAlive(), "the member exited while starting\n" + process.tail(40));
                    ManagedProcess.pause(5);
                }
            }
            throw new AssertionError("the client port did not open\n" + process.tail(40));
        }

        /** Whether the member has said it serves clients (kvorum on stdout, etcd in its log). */
        boolean isReady() {
            return etcd ? process.stderrText().contains("ready to serve client requests")
                    : process.stdoutText().contains("kvorum: serving client requests on");
        }
    }
}
