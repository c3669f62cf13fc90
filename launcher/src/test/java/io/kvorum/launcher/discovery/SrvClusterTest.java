package io.kvorum.launcher.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The initial cluster from SRV records, with DNS answered by the test. */
class SrvClusterTest {

    /** SRV and A records given by the test; every question asked is recorded. */
    private static final class Zone implements Dns {
        final Map<String, List<Srv>> srv = new HashMap<>();
        final Map<String, String> a = new HashMap<>();
        final List<String> asked = new ArrayList<>();

        Zone srv(String name, String target, int port) {
            srv.computeIfAbsent(name, n -> new ArrayList<>()).add(new Srv(target, port));
            return this;
        }

        Zone a(String host, String address) {
            a.put(host, address);
            return this;
        }

        @Override
        public List<Srv> lookupSrv(String name) throws IOException {
            asked.add(name);
            List<Srv> records = srv.get(name);
            if (records == null) {
                throw new IOException("lookup " + name + " on 127.0.0.1:53: no such host");
            }
            return records;
        }

        @Override
        public List<InetAddress> resolve(String host) throws IOException {
            String address = host.matches("[0-9.]+") ? host : a.get(host);
            if (address == null) {
                throw new IOException("lookup " + host + ": no such host");
            }
            return List.of(InetAddress.getByName(address));
        }
    }

    private static final List<URI> SELF = List.of(URI.create("http://10.0.0.1:2380"));

    @Test
    void theTargetAtThisMembersAddressIsThisMemberAndTheOthersAreNumbered() throws Exception {
        Zone zone = new Zone().srv("_etcd-server._tcp.example.com", "infra0.example.com.", 2380)
                .srv("_etcd-server._tcp.example.com", "infra1.example.com.", 2380)
                .srv("_etcd-server._tcp.example.com", "infra2.example.com.", 2380)
                .a("infra0.example.com", "10.0.0.2").a("infra1.example.com", "10.0.0.1").a("infra2.example.com", "10.0.0.3");

        List<String> names = new SrvCluster(zone).clusterNames("example.com", "", "infra1", SELF);

        assertEquals(List.of("0=http://infra0.example.com:2380", "infra1=http://infra1.example.com:2380",
                "1=http://infra2.example.com:2380"), names);
        assertEquals(List.of("_etcd-server-ssl._tcp.example.com", "_etcd-server._tcp.example.com"), zone.asked);
    }

    @Test
    void theServiceNameSuffixesBothServices() throws Exception {
        Zone zone = new Zone().srv("_etcd-server-ssl-prod._tcp.example.com", "infra1.example.com.", 2380)
                .a("infra1.example.com", "10.0.0.1");

        List<String> names = new SrvCluster(zone).clusterNames("example.com", "prod", "infra1",
                List.of(URI.create("https://10.0.0.1:2380")));

        assertEquals(List.of("infra1=https://infra1.example.com:2380"), names);
        assertEquals(List.of("_etcd-server-ssl-prod._tcp.example.com", "_etcd-server-prod._tcp.example.com"), zone.asked);
    }

    @Test
    void httpsAndHttpRecordsAreCombinedWithDistinctNames() throws Exception {
        Zone zone = new Zone().srv("_etcd-server-ssl._tcp.example.com", "10.0.0.7", 2380)
                .srv("_etcd-server._tcp.example.com", "10.0.0.8", 2380)
                .srv("_etcd-server._tcp.example.com", "10.0.0.1", 2380);

        List<String> names = new SrvCluster(zone).clusterNames("example.com", "", "me", SELF);

        assertEquals(List.of("0=https://10.0.0.7:2380", "1=http://10.0.0.8:2380", "me=http://10.0.0.1:2380"), names);
    }

    @Test
    void thisMemberFoundUnderTheOtherSchemeIsAMismatch() {
        Zone zone = new Zone().srv("_etcd-server-ssl._tcp.example.com", "infra1.example.com.", 2380)
                .a("infra1.example.com", "10.0.0.1");

        DiscoveryException e = assertThrows(DiscoveryException.class,
                () -> new SrvCluster(zone).clusterNames("example.com", "", "infra1", SELF));

        assertEquals("error querying DNS SRV records for _etcd-server-ssl bootstrap at"
                + " https://infra1.example.com:2380 from DNS for etcd-server-ssl has scheme mismatch with expected"
                + " peer http://10.0.0.1:2380; error querying DNS SRV records for _etcd-server lookup"
                + " _etcd-server._tcp.example.com on 127.0.0.1:53: no such host", e.getMessage());
    }

    @Test
    void noRecordsIsAnErrorNamingBothLookups() {
        DiscoveryException e = assertThrows(DiscoveryException.class,
                () -> new SrvCluster(new Zone()).clusterNames("example.com", "", "infra1", SELF));

        assertEquals("error querying DNS SRV records for _etcd-server-ssl lookup _etcd-server-ssl._tcp.example.com on"
                + " 127.0.0.1:53: no such host; error querying DNS SRV records for _etcd-server lookup"
                + " _etcd-server._tcp.example.com on 127.0.0.1:53: no such host", e.getMessage());
    }

    @Test
    void aTargetThatDoesNotResolveIsSkipped() throws Exception {
        Zone zone = new Zone().srv("_etcd-server._tcp.example.com", "gone.example.com.", 2380)
                .srv("_etcd-server._tcp.example.com", "10.0.0.1", 2380);

        assertEquals(List.of("me=http://10.0.0.1:2380"),
                new SrvCluster(zone).clusterNames("example.com", "", "me", SELF));
    }
}
