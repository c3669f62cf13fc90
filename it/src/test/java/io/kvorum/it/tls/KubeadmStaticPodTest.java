package io.kvorum.it.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.ServerSpec;
import io.kvorum.tls.testing.TestPki;
import io.kvorum.tls.testing.TestPki.Issued;
import io.kvorum.tls.testing.TestPki.KeyFormat;
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
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The command line kubeadm writes into etcd's static pod manifest, as kubeadm spells it
 * ({@code --flag=value}, client and peer TLS with client-cert-auth on both, a metrics listener,
 * the initial corruption check, watch progress notifications, {@code --snapshot-count}), for a
 * stacked control plane of three nodes that join one after the other the way {@code kubeadm join}
 * adds them: {@code etcdctl member add} with the API server's client certificate, then the new
 * member starts with {@code --initial-cluster-state=existing}. Each node has its own loopback
 * address, as each control-plane node has its own IP.
 *
 * <p>The same lines start real etcd the same way, which keeps them honest. The two run side by
 * side: each has its own folder, certificates and ports, and the etcd half would otherwise wait
 * for the kvorum half to end.
 */
class KubeadmStaticPodTest {
    private static Etcdctl etcdctl;

    @BeforeAll
    static void tools() {
        etcdctl = Etcdctl.require();
    }

    @Execution(ExecutionMode.CONCURRENT)
    @ParameterizedTest
    @ValueSource(strings = {"kvorum", "etcd"})
    void threeControlPlaneNodesStartFromKubeadmsCommandLineAndServeTheApiServersCertificate(String server) {
        List<String> binary = binary(server);
        Path dir = ServerSpec.fresh("kubeadm-" + server).workDir();
        Pki pki = Pki.create(dir);
        List<Node> nodes = List.of(Node.create(1), Node.create(2), Node.create(3));
        List<ManagedProcess> started = new ArrayList<>();
        try {
            for (Node node : nodes) {
                List<Node> cluster = nodes.subList(0, node.index);
                if (node.index > 1) {
                    // kubeadm join: add the member through an existing one, then start it with the cluster so far.
                    assertOk(addMember(pki, nodes.get(0), node));
                }
                pki.issue(node);
                List<String> command = new ArrayList<>(binary);
                command.addAll(node.staticPodFlags(pki, cluster));
                started.add(ManagedProcess.start(server + "-" + node.name(), command, dir.resolve("log-" + node.name()),
                        Map.of()));
                awaitHealthy(pki, node, started.get(started.size() - 1));
            }

            // The API server writes through one member and reads through the others, with its own certificate.
            assertOk(pki.etcdctl(nodes.get(2).clientUrl(), "put", "/registry/namespaces/default", "ns"));
            for (Node node : nodes) {
                assertEquals("/registry/namespaces/default\nns\n",
                        assertOk(pki.etcdctl(node.clientUrl(), "get", "/registry/namespaces/default")).stdout());
                assertEquals("/registry/namespaces/default\nns\n",
                        assertOk(pki.etcdctl(node.loopbackClientUrl(), "get", "/registry/", "--prefix")).stdout());
            }
            String members = assertOk(pki.etcdctl(nodes.get(1).clientUrl(), "member", "list")).stdout();
            assertEquals(3, members.lines().filter(l -> l.contains(", started, ")).count(), members);

            // kubeadm's liveness and startup probes, and a scrape, on the plain-http metrics listener.
            for (Node node : nodes) {
                HttpResponse<String> health = get(node.metricsUrl().resolve("/health"));
                assertEquals(200, health.statusCode(), health.body());
                assertTrue(health.body().contains("\"health\":\"true\""), health.body());
                HttpResponse<String> metrics = get(node.metricsUrl().resolve("/metrics"));
                assertEquals(200, metrics.statusCode());
                assertTrue(metrics.body().lines().anyMatch(l -> l.equals("etcd_server_has_leader 1")), metrics.body());
            }

            // Without a client certificate signed by the cluster's CA, the client port refuses.
            Etcdctl.Result anonymous = etcdctl.run(nodes.get(0).clientUrl(),
                    List.of("--cacert", pki.caFile().toString(), "--command-timeout", "3s", "get", "k"), "");
            assertTrue(anonymous.exitCode() != 0, anonymous.stdout());
        } finally {
            started.forEach(ManagedProcess::close);
        }
    }

    private static List<String> binary(String server) {
        if (server.equals("etcd")) {
            var etcd = Binaries.etcd();
            assumeTrue(etcd.isPresent() || Binaries.onCi(), "real etcd is not installed");
            return List.of(etcd.orElseThrow(() -> new IllegalStateException("etcd is required on CI")).toString());
        }
        assumeTrue(!"etcd".equals(System.getProperty("kvorum.it.target")), "kvorum's distribution");
        return List.of(KvorumProcess.home().resolve("bin/kvorum").toString());
    }

    private static void awaitHealthy(Pki pki, Node node, ManagedProcess process) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        Etcdctl.Result last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(node.name() + " exited\n" + process.tail(40));
            }
            last = pki.etcdctl(node.clientUrl(), "--command-timeout", "2s", "endpoint", "health");
            if (last.exitCode() == 0) {
                return;
            }
            ManagedProcess.pause(200);
        }
        throw new IllegalStateException(node.name() + " not healthy within 90 s: " + last + "\n" + process.tail(40));
    }

    /**
     * {@code etcdctl member add}, retried as kubeadm retries it: etcd refuses a voter with
     * "unhealthy cluster" until the leader has been connected to every member for five seconds.
     */
    private static Etcdctl.Result addMember(Pki pki, Node through, Node node) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Etcdctl.Result added = pki.etcdctl(through.clientUrl(), "member", "add", node.name(),
                    "--peer-urls=" + node.peerUrl());
            if (added.exitCode() == 0 || !added.stderr().contains("unhealthy cluster") || System.nanoTime() > deadline) {
                return added;
            }
            ManagedProcess.pause(500);
        }
    }

    private static HttpResponse<String> get(URI uri) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Etcdctl.Result assertOk(Etcdctl.Result result) {
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        return result;
    }

    /** A control-plane node: its own loopback address (its "IP") and the ports kubeadm would fix. */
    private record Node(int index, String ip, int clientPort, int peerPort, int metricsPort) {
        static Node create(int index) {
            return new Node(index, "127.0.0." + (10 + index), FreePorts.pick(), FreePorts.pick(), FreePorts.pick());
        }

        String name() {
            return "cp" + index;
        }

        URI clientUrl() {
            return URI.create("https://" + ip + ":" + clientPort);
        }

        URI loopbackClientUrl() {
            return URI.create("https://127.0.0.1:" + clientPort);
        }

        String peerUrl() {
            return "https://" + ip + ":" + peerPort;
        }

        URI metricsUrl() {
            return URI.create("http://127.0.0.1:" + metricsPort);
        }

        /** The flags of kubeadm's etcd manifest, in its order and spelling, for a cluster of {@code cluster}. */
        List<String> staticPodFlags(Pki pki, List<Node> cluster) {
            Path certs = pki.dir();
            List<String> flags = new ArrayList<>(List.of(
                    "--advertise-client-urls=" + clientUrl(),
                    "--cert-file=" + certs.resolve(name() + "-server.crt"),
                    "--client-cert-auth=true",
                    "--data-dir=" + certs.resolve("data-" + name()),
                    "--experimental-initial-corrupt-check=true",
                    "--experimental-watch-progress-notify-interval=5s",
                    "--initial-advertise-peer-urls=" + peerUrl(),
                    "--initial-cluster=" + cluster.stream().map(n -> n.name() + "=" + n.peerUrl())
                            .collect(Collectors.joining(","))));
            if (index > 1) {
                flags.add("--initial-cluster-state=existing");
            }
            flags.addAll(List.of(
                    "--key-file=" + certs.resolve(name() + "-server.key"),
                    "--listen-client-urls=" + loopbackClientUrl() + "," + clientUrl(),
                    "--listen-metrics-urls=" + metricsUrl(),
                    "--listen-peer-urls=" + peerUrl(),
                    "--name=" + name(),
                    "--peer-cert-file=" + certs.resolve(name() + "-peer.crt"),
                    "--peer-client-cert-auth=true",
                    "--peer-key-file=" + certs.resolve(name() + "-peer.key"),
                    "--peer-trusted-ca-file=" + pki.caFile(),
                    "--snapshot-count=10000",
                    "--trusted-ca-file=" + pki.caFile()));
            return flags;
        }
    }

    /** kubeadm's etcd PKI: one etcd CA; per node a server and a peer certificate; the API server's client certificate. */
    private record Pki(Path dir, Issued ca) {
        static Pki create(Path dir) {
            Issued ca = TestPki.ca("etcd-ca");
            TestPki.write(dir.resolve("ca.crt"), TestPki.certificatePem(ca.certificate()));
            Issued client = TestPki.leaf(ca, "kube-apiserver-etcd-client", TestPki.rsa());
            TestPki.write(dir.resolve("apiserver-etcd-client.crt"), TestPki.certificatePem(client.certificate()));
            TestPki.write(dir.resolve("apiserver-etcd-client.key"), TestPki.keyPem(client.key(), KeyFormat.TRADITIONAL));
            return new Pki(dir, ca);
        }

        Path caFile() {
            return dir.resolve("ca.crt");
        }

        /** kubeadm's server and peer certificates: RSA keys, the node's name, its IP, localhost and 127.0.0.1. */
        void issue(Node node) {
            List<String> hosts = List.of(node.name(), "localhost", node.ip(), "127.0.0.1");
            for (String role : List.of("server", "peer")) {
                Issued issued = TestPki.leaf(ca, node.name(), TestPki.rsa(), java.time.Instant.now().minusSeconds(60),
                        java.time.Instant.now().plus(Duration.ofDays(1)), hosts);
                TestPki.write(dir.resolve(node.name() + "-" + role + ".crt"), TestPki.certificatePem(issued.certificate()));
                TestPki.write(dir.resolve(node.name() + "-" + role + ".key"),
                        TestPki.keyPem(issued.key(), KeyFormat.TRADITIONAL));
            }
        }

        /** etcdctl as the API server's health checks run it: the etcd CA and the apiserver-etcd-client pair. */
        Etcdctl.Result etcdctl(URI endpoint, String... command) {
            List<String> args = new ArrayList<>(List.of("--cacert", caFile().toString(),
                    "--cert", dir.resolve("apiserver-etcd-client.crt").toString(),
                    "--key", dir.resolve("apiserver-etcd-client.key").toString()));
            args.addAll(List.of(command));
            return etcdctl.run(endpoint, args, "");
        }
    }
}
