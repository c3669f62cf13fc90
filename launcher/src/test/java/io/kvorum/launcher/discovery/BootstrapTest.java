package io.kvorum.launcher.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.server.ServerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** From the discovery flags to the initial cluster a member starts with. */
class BootstrapTest {
    @TempDir
    Path dataDir;

    private ServerConfig member(String name, String peerUrl) {
        return ServerConfig.builder().name(name).dataDir(dataDir)
                .initialAdvertisePeerUrls(List.of(URI.create(peerUrl))).build();
    }

    @Test
    void theMemberIdIsEtcds() {
        // what etcd 3.4 registered for --initial-advertise-peer-urls http://127.0.0.1:23803 with this discovery URL
        assertEquals(0x4e51b016d24e57baL, Bootstrap.memberId(List.of(URI.create("http://127.0.0.1:23803")),
                "http://127.0.0.1:23791/v2/keys/tok1"));
    }

    @Test
    void srvRecordsBecomeTheInitialClusterWithTheGivenToken() throws Exception {
        Dns dns = new Dns() {
            @Override
            public List<Srv> lookupSrv(String name) throws IOException {
                if (!name.equals("_etcd-server._tcp.example.com")) {
                    throw new IOException("no such host");
                }
                return List.of(new Srv("10.0.0.1", 2380), new Srv("10.0.0.2", 2380));
            }

            @Override
            public List<InetAddress> resolve(String host) throws IOException {
                return List.of(InetAddress.getByName(host));
            }
        };
        ServerConfig config = Bootstrap.fromSrv(member("a", "http://10.0.0.1:2380"),
                new DiscoverySettings("", DiscoverySettings.Fallback.EXIT, "", "example.com", ""), new SrvCluster(dns));

        assertEquals(Map.of("a", List.of(URI.create("http://10.0.0.1:2380")), "0", List.of(URI.create("http://10.0.0.2:2380"))),
                config.initialCluster());
        assertEquals(ServerConfig.DEFAULT_CLUSTER_TOKEN, config.initialClusterToken());

        Bootstrap.Failed e = assertThrows(Bootstrap.Failed.class, () -> Bootstrap.fromSrv(member("z", "http://10.0.0.9:2380"),
                new DiscoverySettings("", DiscoverySettings.Fallback.EXIT, "", "example.com", ""), new SrvCluster(dns)));
        assertEquals("error setting up initial cluster: cannot find local etcd member \"z\" in SRV records", e.getMessage());
    }

    @Test
    void aMemberWithDataSkipsDiscovery() throws Exception {
        Files.createDirectories(dataDir.resolve("member").resolve("wal"));
        Files.writeString(dataDir.resolve("member").resolve("wal").resolve("member"), "x");
        ServerConfig config = member("a", "http://127.0.0.1:2380");
        // nothing listens on port 1: asking the service would fail
        DiscoverySettings settings = new DiscoverySettings("http://127.0.0.1:1/v2/keys/t", DiscoverySettings.Fallback.EXIT,
                "", "", "");

        assertEquals(config, Bootstrap.initialCluster(config, settings, Map.of()));
    }

    @Test
    void theProxyIsReadAsEtcdReadsIt() throws Exception {
        assertTrue(Bootstrap.proxy("").isEmpty());
        assertTrue(Bootstrap.proxy("10.0.0.9:3128").isPresent());
        assertTrue(Bootstrap.proxy("http://10.0.0.9:3128").isPresent());
        DiscoveryException e = assertThrows(DiscoveryException.class, () -> Bootstrap.proxy("http://"));
        assertTrue(e.getMessage().startsWith("invalid proxy address \"http://\""), e.getMessage());
    }

    @Test
    void anUnreachableServiceFailsOnceTheRetriesAreSpent() {
        ServerConfig config = member("a", "http://127.0.0.1:2380");
        DiscoverySettings settings = new DiscoverySettings("http://127.0.0.1:1/v2/keys/t", DiscoverySettings.Fallback.EXIT,
                "", "", "");

        Bootstrap.Failed e = assertThrows(Bootstrap.Failed.class,
                () -> Bootstrap.fromDiscoveryUrl(config, settings, 2, wait -> { }, Optional.empty()));

        assertEquals("failed to join discovery cluster (discovery: too many retries)", e.getMessage());
    }

    private static final String TOKEN = "http://127.0.0.1:2379/v2/keys/discovery/6c007a14875d53d9bf0ef5a6fc0257c8";
    private static final String TOKEN_PATH = "/v2/keys/discovery/6c007a14875d53d9bf0ef5a6fc0257c8";

    private static MemoryKeys fullCluster() {
        return new MemoryKeys().put(TOKEN_PATH + "/_config/size", "2")
                .put(TOKEN_PATH + "/aa3afcf067233596", "m3=http://10.0.0.3:2380,m3=http://10.0.0.1:2380")
                .put(TOKEN_PATH + "/9e44ace02baa1c00", "m2=http://10.0.0.2:2380");
    }

    @Test
    void aFullClusterWithTheProxyFallbackFallsBackToAProxy() {
        MemoryKeys keys = fullCluster();
        List<String> before = keys.keys();
        DiscoverySettings settings = new DiscoverySettings(TOKEN, DiscoverySettings.Fallback.PROXY, "", "", "");

        Bootstrap.FallBackToProxy e = assertThrows(Bootstrap.FallBackToProxy.class, () -> Bootstrap.fromDiscoveryUrl(
                member("m4", "http://10.0.0.4:2380"), settings, 0, wait -> { }, Optional.of(keys)));

        assertEquals("failed to join discovery cluster (discovery: cluster is full)", e.getMessage());
        assertEquals(before, keys.keys());
    }

    @Test
    void aFullClusterWithTheExitFallbackFails() {
        DiscoverySettings settings = new DiscoverySettings(TOKEN, DiscoverySettings.Fallback.EXIT, "", "", "");

        Bootstrap.Failed e = assertThrows(Bootstrap.Failed.class, () -> Bootstrap.fromDiscoveryUrl(
                member("m4", "http://10.0.0.4:2380"), settings, 0, wait -> { }, Optional.of(fullCluster())));

        assertEquals("failed to join discovery cluster (discovery: cluster is full)", e.getMessage());
    }

    @Test
    void aProxyGetsEveryPeerUrlOfTheRegisteredMembersSorted() throws Exception {
        DiscoverySettings settings = new DiscoverySettings(TOKEN, DiscoverySettings.Fallback.PROXY, "", "", "");

        assertEquals(List.of("http://10.0.0.1:2380", "http://10.0.0.2:2380", "http://10.0.0.3:2380"),
                Bootstrap.proxyPeerUrls(settings, 0, wait -> { }, Optional.of(fullCluster())));
    }

    @Test
    void aProxyIsToldWhenTheTokenHoldsNoCluster() {
        DiscoverySettings settings = new DiscoverySettings(TOKEN, DiscoverySettings.Fallback.PROXY, "", "", "");
        MemoryKeys keys = new MemoryKeys().put(TOKEN_PATH + "/_config/size", "two");

        Bootstrap.Failed e = assertThrows(Bootstrap.Failed.class,
                () -> Bootstrap.proxyPeerUrls(settings, 0, wait -> { }, Optional.of(keys)));

        assertEquals("discovery: size key is bad", e.getMessage());
    }
}
