package io.kvorum.launcher.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kvorum.launcher.discovery.DiscoveryException.Reason;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** etcd's v2 discovery protocol against a v2 keys store in memory. */
class V2DiscoveryTest {
    private static final String TOKEN = "/v2/keys/discovery/6c007a14875d53d9bf0ef5a6fc0257c8";
    private static final long SELF_ID = 0x52aca6a857eb3e22L;
    private static final String SELF_KEY = TOKEN + "/52aca6a857eb3e22";

    private final List<Duration> backoffs = new ArrayList<>();

    private V2Discovery discovery(MemoryKeys keys, long maxRetries) {
        return new V2Discovery(keys, "http://127.0.0.1:2379", TOKEN, SELF_ID, maxRetries, backoffs::add);
    }

    private static MemoryKeys token(int size) {
        return new MemoryKeys().put(TOKEN + "/_config/size", Integer.toString(size));
    }

    @Test
    void theMemberRegistersAndGetsTheClusterInRegistrationOrder() throws Exception {
        MemoryKeys keys = token(3).put(TOKEN + "/aa3afcf067233596", "m3=http://10.0.0.3:2380")
                .put(TOKEN + "/9e44ace02baa1c00", "m2=http://10.0.0.2:2380,m2=http://10.0.1.2:2380");

        Map<String, List<URI>> cluster = discovery(keys, 0).joinCluster("m1=http://10.0.0.1:2380");

        assertEquals(List.of("m3", "m2", "m1"), List.copyOf(cluster.keySet()));
        assertEquals(List.of(URI.create("http://10.0.0.2:2380"), URI.create("http://10.0.1.2:2380")), cluster.get("m2"));
        assertEquals(List.of(URI.create("http://10.0.0.1:2380")), cluster.get("m1"));
        assertEquals("m1=http://10.0.0.1:2380", keys.get(SELF_KEY).node().value());
    }

    @Test
    void theMemberWaitsUntilTheClusterIsComplete() throws Exception {
        MemoryKeys keys = token(3);
        keys.whileWaiting(() -> keys.put(TOKEN + "/aa3afcf067233596", "m3=http://10.0.0.3:2380"))
                .whileWaiting(() -> keys.put(TOKEN + "/9e44ace02baa1c00", "m2=http://10.0.0.2:2380"));

        Map<String, List<URI>> cluster = discovery(keys, 0).joinCluster("m1=http://10.0.0.1:2380");

        assertEquals(List.of("m1", "m3", "m2"), List.copyOf(cluster.keySet()));
    }

    @Test
    void aMemberBeyondTheSizeIsToldTheClusterIsFullAndDoesNotRegister() {
        MemoryKeys keys = token(2).put(TOKEN + "/aa3afcf067233596", "m3=http://10.0.0.3:2380")
                .put(TOKEN + "/9e44ace02baa1c00", "m2=http://10.0.0.2:2380");
        List<String> before = keys.keys();

        DiscoveryException e = assertThrows(DiscoveryException.class,
                () -> discovery(keys, 0).joinCluster("m1=http://10.0.0.1:2380"));

        assertEquals(Reason.FULL_CLUSTER, e.reason());
        assertEquals("discovery: cluster is full", e.getMessage());
        assertEquals(before, keys.keys());
    }

    @Test
    void aProxyGetsTheFirstSizeRegistrationsOfAFullClusterAndRegistersNothing() throws Exception {
        MemoryKeys keys = token(2).put(TOKEN + "/aa3afcf067233596", "m3=http://10.0.0.3:2380")
                .put(TOKEN + "/9e44ace02baa1c00", "m2=http://10.0.0.2:2380")
                .put(TOKEN + "/1111111111111111", "late=http://10.0.0.9:2380");
        List<String> before = keys.keys();

        Map<String, List<URI>> cluster = new V2Discovery(keys, "http://127.0.0.1:2379", TOKEN, 0, 0, backoffs::add)
                .getCluster();

        assertEquals(List.of("m3", "m2"), List.copyOf(cluster.keySet()));
        assertEquals(before, keys.keys());
    }

    @Test
    void aProxyWaitsForTheMembersOfAClusterNotYetComplete() throws Exception {
        MemoryKeys keys = token(2).put(TOKEN + "/aa3afcf067233596", "m3=http://10.0.0.3:2380");
        keys.whileWaiting(() -> keys.put(TOKEN + "/9e44ace02baa1c00", "m2=http://10.0.0.2:2380"));

        Map<String, List<URI>> cluster = new V2Discovery(keys, "http://127.0.0.1:2379", TOKEN, 0, 0, backoffs::add)
                .getCluster();

        assertEquals(List.of("m3", "m2"), List.copyOf(cluster.keySet()));
        assertEquals(List.of(TOKEN + "/_config/size", TOKEN + "/aa3afcf067233596", TOKEN + "/9e44ace02baa1c00"),
                keys.keys());
    }

    @Test
    void aProxyIsToldOfTheServicesErrors() {
        MemoryKeys keys = new MemoryKeys();

        DiscoveryException e = assertThrows(DiscoveryException.class,
                () -> new V2Discovery(keys, "http://127.0.0.1:2379", TOKEN, 0, 0, backoffs::add).getCluster());

        assertEquals(Reason.SERVICE_ERROR, e.reason());
    }

    @Test
    void aMemberRegisteredBeforeIsADuplicateId() {
        MemoryKeys keys = token(3).put(SELF_KEY, "m1=http://10.0.0.1:2380");

        DiscoveryException e = assertThrows(DiscoveryException.class,
                () -> discovery(keys, 0).joinCluster("m1=http://10.0.0.1:2380"));

        assertEquals("discovery: found duplicate id", e.getMessage());
    }

    @Test
    void twoMembersOfOneNameAreADuplicateName() {
        MemoryKeys keys = token(2).put(TOKEN + "/aa3afcf067233596", "m1=http://10.0.0.3:2380");

        DiscoveryException e = assertThrows(DiscoveryException.class,
                () -> discovery(keys, 0).joinCluster("m1=http://10.0.0.1:2380"));

        assertEquals("discovery: found duplicate name", e.getMessage());
    }

    @Test
    void aRegistrationThatIsNotAClusterIsAnInvalidUrl() {
        MemoryKeys keys = token(2).put(TOKEN + "/aa3afcf067233596", "m3=ftp://10.0.0.3:2380");

        DiscoveryException e = assertThrows(DiscoveryException.class,
                () -> discovery(keys, 0).joinCluster("m1=http://10.0.0.1:2380"));

        assertEquals("discovery: invalid URL", e.getMessage());
    }

    @Test
    void aClusterOfSizeZeroIsNoCluster() {
        DiscoveryException e = assertThrows(DiscoveryException.class,
                () -> discovery(token(0), 0).joinCluster("m1=http://10.0.0.1:2380"));

        assertEquals("discovery: invalid URL", e.getMessage());
    }

    @Test
    void aMissingTokenIsTheServicesErrorAsEtcd34ReportsIt() {
        MemoryKeys keys = new MemoryKeys().put("/v2/keys/other/_config/size", "3");

        DiscoveryException e = assertThrows(DiscoveryException.class,
                () -> discovery(keys, 0).joinCluster("m1=http://10.0.0.1:2380"));

        assertEquals(Reason.SERVICE_ERROR, e.reason());
        assertEquals("100: Key not found (" + TOKEN + "/_config/size) [1]", e.getMessage());
    }

    @Test
    void aSizeThatIsNoNumberIsABadSizeKey() {
        MemoryKeys keys = new MemoryKeys().put(TOKEN + "/_config/size", "three");

        DiscoveryException e = assertThrows(DiscoveryException.class,
                () -> discovery(keys, 0).joinCluster("m1=http://10.0.0.1:2380"));

        assertEquals("discovery: size key is bad", e.getMessage());
    }

    @Test
    void anEndpointThatIsNotAKeysServiceIsABadDiscoveryEndpoint() {
        DiscoveryException e = assertThrows(DiscoveryException.class,
                () -> discovery(token(3).answeringHtml(), 0).joinCluster("m1=http://10.0.0.1:2380"));

        assertEquals("discovery: bad discovery endpoint", e.getMessage());
    }

    @Test
    void anUnreachableServiceIsRetriedWithADoublingBackoff() throws Exception {
        MemoryKeys keys = token(1).unavailableFor(3);

        Map<String, List<URI>> cluster = discovery(keys, 10).joinCluster("m1=http://10.0.0.1:2380");

        assertEquals(List.of("m1"), List.copyOf(cluster.keySet()));
        assertEquals(List.of(Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8)), backoffs);
    }

    @Test
    void theBackoffStopsDoublingAt256SecondsAndTheRetriesEnd() {
        MemoryKeys keys = token(1).unavailableFor(Integer.MAX_VALUE);

        DiscoveryException e = assertThrows(DiscoveryException.class,
                () -> discovery(keys, 10).joinCluster("m1=http://10.0.0.1:2380"));

        assertEquals("discovery: too many retries", e.getMessage());
        assertEquals(10, backoffs.size());
        assertEquals(Duration.ofSeconds(256), backoffs.get(7));
        assertEquals(Duration.ofSeconds(256), backoffs.get(9));
    }

    @Test
    void tokenPathsJoinAsGosPathJoin() {
        assertEquals("/v2/keys/t/_config", V2Discovery.join("/v2/keys/t/", "_config"));
        assertEquals("/t/_config", V2Discovery.join("t", "_config"));
        assertEquals("/_config", V2Discovery.join("", "_config"));
    }
}
