package io.kvorum.it.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.ServerSpec;
import io.kvorum.tls.testing.TestPki;
import io.kvorum.tls.testing.TestPki.Issued;
import io.kvorum.tls.testing.TestPki.KeyFormat;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three members with {@code https://} peer URLs and peer mutual TLS: the cluster forms and
 * replicates, also with client mutual TLS on every member (a follower then forwards lease
 * keepalives to the leader's https client URL with its own certificate); a member whose
 * certificate's CN is not in {@code --peer-cert-allowed-cn} is refused by its peers and never
 * catches up.
 */
class PeerTlsTest {
    private static Etcdctl etcdctl;

    @BeforeAll
    static void onlyForTheDistribution() {
        assumeTrue(!"etcd".equals(System.getProperty("kvorum.it.target")), "kvorum's distribution");
        etcdctl = Etcdctl.require();
    }

    @Test
    void threeMembersWithPeerAndClientMutualTlsFormAClusterReplicateAndForwardLeaseKeepalives() {
        Path dir = ServerSpec.fresh("peer-tls").workDir();
        List<ManagedProcess> members = startCluster(dir, List.of("member", "member", "member"), true);
        try {
            List<URI> clients = members.stream().map(ManagedProcess::awaitServing).toList();
            assertTrue(clients.stream().allMatch(u -> u.getScheme().equals("https")), clients.toString());
            assertOk(run(dir, clients.get(0), "put", "k", "over peer tls"));
            for (URI client : clients) {
                // Linearizable: each member reads through the leader, over the peer port.
                assertEquals("k\nover peer tls\n", assertOk(run(dir, client, "get", "k")).stdout());
            }
            // Each member publishes its name and client URLs through the log once it serves: wait for all three.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            String list;
            do {
                list = assertOk(run(dir, clients.get(1), "member", "list")).stdout();
                if (startedOverHttps(list) == 3) {
                    break;
                }
                ManagedProcess.pause(200);
            } while (System.nanoTime() < deadline);
            assertEquals(3, startedOverHttps(list), list);

            // Two of the three are followers: their keepalives go to the leader's https client URL.
            String granted = assertOk(run(dir, clients.get(0), "lease", "grant", "60")).stdout();
            Matcher lease = Pattern.compile("lease ([0-9a-f]+) granted").matcher(granted);
            assertTrue(lease.find(), granted);
            for (URI client : clients) {
                String kept = assertOk(run(dir, client, "lease", "keep-alive", "--once", lease.group(1))).stdout();
                assertTrue(kept.contains("keepalived with TTL"), kept);
            }
        } finally {
            ManagedProcess.closeAll(members);
        }
    }

    @Test
    void threeMembersWithPeerAutoTlsFormAClusterOverHttpsAndKeepOneWhenAMemberIsCutAndBack() {
        Path dir = ServerSpec.fresh("peer-auto-tls").workDir();
        List<Integer> ports = IntStream.range(0, 3).mapToObj(i -> FreePorts.pick()).toList();
        String cluster = IntStream.range(0, 3)
                .mapToObj(i -> "a" + i + "=https://127.0.0.1:" + ports.get(i)).collect(Collectors.joining(","));
        List<ManagedProcess> members = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                members.add(startAutoTls(dir, i, cluster, ports.get(i)));
            }
            List<URI> clients = members.stream().map(ManagedProcess::awaitServing).toList();
            assertOk(etcdctl.run(clients.get(0), List.of("--command-timeout", "20s", "put", "k", "over auto tls"), ""));
            for (URI client : clients) {
                assertEquals("k\nover auto tls\n", assertOk(etcdctl.run(client, List.of("get", "k"), "")).stdout());
            }
            // each member made its own certificate in its data dir, as etcd's --peer-auto-tls does
            for (int i = 0; i < 3; i++) {
                assertTrue(java.nio.file.Files.exists(dir.resolve("a" + i).resolve("fixtures/peer/cert.pem")),
                        "a" + i + "'s self-signed peer certificate");
            }

            // one member down: the other two go on; back up, it catches up over https again
            members.get(2).close();
            // a2 may have led: a write proposed before the others elect again times out once
            long writeDeadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            Etcdctl.Result written;
            do {
                written = etcdctl.run(clients.get(0), List.of("--command-timeout", "20s", "put", "k", "while a2 was down"), "");
            } while (written.exitCode() != 0 && System.nanoTime() < writeDeadline);
            assertOk(written);
            members.set(2, startAutoTls(dir, 2, cluster, ports.get(2)));
            URI back = members.get(2).awaitServing();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            String seen;
            do {
                seen = etcdctl.run(back, List.of("get", "k", "--consistency=s"), "").stdout();
                if (seen.equals("k\nwhile a2 was down\n")) {
                    break;
                }
                ManagedProcess.pause(200);
            } while (System.nanoTime() < deadline);
            assertEquals("k\nwhile a2 was down\n", seen);
        } finally {
            ManagedProcess.closeAll(members);
        }
    }

    /** Member {@code a<i>} with {@code https://} peer URLs and {@code --peer-auto-tls}, plain-http clients. */
    private static ManagedProcess startAutoTls(Path dir, int i, String cluster, int port) {
        String peerUrl = "https://127.0.0.1:" + port;
        List<String> command = List.of(KvorumProcess.home().resolve("bin/kvorum").toString(),
                "--name", "a" + i, "--data-dir", dir.resolve("a" + i).toString(),
                "--initial-cluster", cluster, "--initial-cluster-token", "peer-auto-tls",
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--listen-client-urls", "http://127.0.0.1:0", "--advertise-client-urls", "http://127.0.0.1:0",
                "--peer-auto-tls");
        return ManagedProcess.start("kvorum-a" + i + "-" + System.nanoTime(), command,
                dir.resolve("log-a" + i + "-" + System.nanoTime()), Map.of());
    }

    @Test
    void aMemberWhoseCertificateCnIsNotAllowedCannotJoin() {
        Path dir = ServerSpec.fresh("peer-tls-cn").workDir();
        List<ManagedProcess> members = startCluster(dir, List.of("member", "member", "intruder"), false);
        try {
            URI first = members.get(0).awaitServing();
            URI intruder = members.get(2).awaitServing();
            // Two members of three are a quorum: the cluster works without the intruder.
            assertOk(etcdctl.run(first, List.of("--command-timeout", "20s", "put", "k", "v"), ""));
            assertEquals("k\nv\n", assertOk(etcdctl.run(members.get(1).awaitServing(), List.of("get", "k"), "")).stdout());

            // The intruder never gets the entry: its peers refuse its certificate, and it theirs.
            ManagedProcess.pause(3000);
            assertEquals("", assertOk(etcdctl.run(intruder, List.of("get", "k", "--consistency=s"), "")).stdout());
            var refused = etcdctl.run(intruder, List.of("--command-timeout", "3s", "put", "k", "from intruder"), "");
            assertTrue(refused.exitCode() != 0, refused.stdout());
            assertEquals("k\nv\n", assertOk(etcdctl.run(first, List.of("get", "k"), "")).stdout());
        } finally {
            ManagedProcess.closeAll(members);
        }
    }

    /**
     * Starts one member per CN (all signed by one CA), with peer mTLS requiring the CN
     * {@code member}; with {@code clientTls}, the client port is https with client mTLS too, and
     * {@code client.crt}/{@code client.key} are written for etcdctl.
     */
    private static List<ManagedProcess> startCluster(Path dir, List<String> commonNames, boolean clientTls) {
        Issued ca = TestPki.ca("kvorum-peer-ca");
        Path caFile = TestPki.write(dir.resolve("peer-ca.crt"), TestPki.certificatePem(ca.certificate()));
        List<Integer> ports = IntStream.range(0, commonNames.size()).mapToObj(i -> FreePorts.pick()).toList();
        String cluster = IntStream.range(0, ports.size())
                .mapToObj(i -> "m" + i + "=https://127.0.0.1:" + ports.get(i)).collect(Collectors.joining(","));
        Issued client = TestPki.leaf(ca, "etcdctl", TestPki.ec("secp256r1"));
        TestPki.write(dir.resolve("client.crt"), TestPki.certificatePem(client.certificate()));
        TestPki.write(dir.resolve("client.key"), TestPki.keyPem(client.key(), KeyFormat.PKCS8));
        String clientScheme = clientTls ? "https" : "http";
        List<ManagedProcess> started = new ArrayList<>();
        for (int i = 0; i < commonNames.size(); i++) {
            Issued peer = TestPki.leaf(ca, commonNames.get(i), TestPki.ec("secp256r1"));
            Path cert = TestPki.write(dir.resolve("m" + i + ".crt"), TestPki.certificatePem(peer.certificate()));
            Path key = TestPki.write(dir.resolve("m" + i + ".key"), TestPki.keyPem(peer.key(), KeyFormat.TRADITIONAL));
            String peerUrl = "https://127.0.0.1:" + ports.get(i);
            List<String> command = new ArrayList<>(List.of(
                    KvorumProcess.home().resolve("bin/kvorum").toString(),
                    "--name", "m" + i, "--data-dir", dir.resolve("m" + i).toString(),
                    "--initial-cluster", cluster, "--initial-cluster-token", "peer-tls",
                    "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                    "--listen-client-urls", clientScheme + "://127.0.0.1:0",
                    "--advertise-client-urls", clientScheme + "://127.0.0.1:0",
                    "--peer-cert-file", cert.toString(), "--peer-key-file", key.toString(),
                    "--peer-trusted-ca-file", caFile.toString(), "--peer-client-cert-auth",
                    "--peer-cert-allowed-cn", "member"));
            if (clientTls) {
                command.addAll(List.of("--cert-file", cert.toString(), "--key-file", key.toString(),
                        "--trusted-ca-file", caFile.toString(), "--client-cert-auth"));
            }
            started.add(ManagedProcess.start("kvorum-m" + i, command, dir.resolve("log-m" + i), Map.of()));
        }
        return started;
    }

    private static long startedOverHttps(String memberList) {
        return memberList.lines().filter(l -> l.contains(", started, ") && l.contains("https://127.0.0.1:")).count();
    }

    /** etcdctl with the CA and client certificate {@link #startCluster} wrote. */
    private static Etcdctl.Result run(Path dir, URI url, String... command) {
        List<String> args = new ArrayList<>(List.of("--cacert", dir.resolve("peer-ca.crt").toString(),
                "--cert", dir.resolve("client.crt").toString(), "--key", dir.resolve("client.key").toString()));
        args.addAll(List.of(command));
        return etcdctl.run(url, args, "");
    }

    private static Etcdctl.Result assertOk(Etcdctl.Result result) {
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        return result;
    }
}
