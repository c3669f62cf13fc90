package io.kvorum.it.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.ServerSpec;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code --discovery-srv} with {@code --discovery-srv-name}: three members find each other in the
 * SRV records {@code _etcd-server-blue._tcp.kvorum.test} of a DNS server on loopback, which
 * {@code KVORUM_DNS_SERVER} names, and form one cluster; a member that is not among the targets
 * exits with etcd's error. The members' JVMs resolve the targets' host names from a hosts file
 * ({@code -Djdk.net.hosts.file}), as machines named in DNS would.
 */
@Tag("cluster")
class SrvDiscoveryTest {
    private static final String DOMAIN = "kvorum.test";

    @Test
    void threeMembersBootstrapFromSrvRecordsAndAMemberNotListedIsRefused() throws Exception {
        Path dir = ServerSpec.fresh("srv-discovery").workDir();
        List<String> names = List.of("m1", "m2", "m3");
        List<Integer> ports = List.of(FreePorts.pick(), FreePorts.pick(), FreePorts.pick());
        Path hosts = Files.writeString(dir.resolve("hosts"),
                "127.0.0.1 localhost m1.kvorum.test m2.kvorum.test m3.kvorum.test m4.kvorum.test\n");
        List<Member> members = new ArrayList<>();
        try (LoopbackDns dns = LoopbackDns.start()) {
            for (int i = 0; i < names.size(); i++) {
                dns.srv("_etcd-server-blue._tcp." + DOMAIN, host(names.get(i)) + ".", ports.get(i))
                        .a(host(names.get(i)), InetAddress.getLoopbackAddress());
            }
            Map<String, String> env = Map.of("KVORUM_DNS_SERVER", dns.address(),
                    "KVORUM_JAVA_OPTS", "-Djdk.net.hosts.file=" + hosts);
            for (int i = 0; i < names.size(); i++) {
                members.add(Member.start(dir, names.get(i), List.of(
                        "--listen-peer-urls", "http://127.0.0.1:" + ports.get(i),
                        "--initial-advertise-peer-urls", "http://" + host(names.get(i)) + ":" + ports.get(i),
                        "--initial-cluster-token", "srv-" + dir.getFileName(),
                        "--discovery-srv", DOMAIN, "--discovery-srv-name", "blue"), env));
            }
            List<URI> clients = members.stream().map(Member::awaitServing).toList();

            // the SRV records name only this member; the others' names come as each publishes its own
            Etcdctl.Result list = awaitNamed(clients.get(0), names);
            assertEquals(3, list.stdout().lines().filter(l -> !l.isBlank()).count(), list.stdout());
            for (int i = 0; i < names.size(); i++) {
                assertTrue(list.stdout().contains(", started, " + names.get(i) + ", http://" + host(names.get(i)) + ":"
                        + ports.get(i) + ", "), list.stdout());
            }
            assertTrue(dns.questions().contains("SRV _etcd-server-ssl-blue._tcp." + DOMAIN), dns.questions().toString());
            assertTrue(dns.questions().contains("SRV _etcd-server-blue._tcp." + DOMAIN), dns.questions().toString());

            int port = FreePorts.pick();
            Member stranger = Member.start(dir, "m4", List.of("--listen-peer-urls", "http://127.0.0.1:" + port,
                    "--initial-advertise-peer-urls", "http://" + host("m4") + ":" + port,
                    "--discovery-srv", DOMAIN, "--discovery-srv-name", "blue"), env);
            assertEquals(1, stranger.awaitExit(), stranger.process.tail(20));
            assertTrue(stranger.process.stderrText().contains(
                    "kvorum: error setting up initial cluster: cannot find local etcd member \"m4\" in SRV records"),
                    stranger.process.tail(20));
        } finally {
            ManagedProcess.closeAll(members.stream().map(m -> m.process).toList());
        }
    }

    /** {@code member list} once it shows every name, or after 30 s as it is then. */
    private static Etcdctl.Result awaitNamed(URI client, List<String> names) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (true) {
            Etcdctl.Result list = Etcdctl.require().run(client, List.of("member", "list", "-w", "simple"), "");
            assertEquals(0, list.exitCode(), list.stderr());
            if (names.stream().allMatch(n -> list.stdout().contains(", started, " + n + ", ")) || System.nanoTime() > deadline) {
                return list;
            }
            ManagedProcess.pause(200);
        }
    }

    private static String host(String name) {
        return name + "." + DOMAIN;
    }
}
