package io.kvorum.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemberIdsTest {

    @Test
    void defaultMemberHasEtcdsWellKnownIds() {
        // What `etcd` with no flags reports in `etcdctl member list` and `endpoint status`.
        long member = MemberIds.memberId(List.of(URI.create("http://localhost:2380")), "etcd-cluster");
        assertEquals("8e9e05c52164694d", MemberIds.hex(member));
        assertEquals("cdf818194e3a8c32", MemberIds.hex(MemberIds.clusterId(List.of(member))));
    }

    @Test
    void peerUrlOrderDoesNotChangeTheId() {
        URI a = URI.create("http://10.0.0.1:2380");
        URI b = URI.create("http://10.0.0.2:2380");
        assertEquals(MemberIds.memberId(List.of(a, b), "t"), MemberIds.memberId(List.of(b, a), "t"));
    }

    @Test
    void tokenChangesTheId() {
        URI a = URI.create("http://10.0.0.1:2380");
        assert MemberIds.memberId(List.of(a), "one") != MemberIds.memberId(List.of(a), "two");
    }

    @Test
    void clusterIdSortsMemberIdsAsUnsigned() {
        long high = 0x8000_0000_0000_0001L;
        long low = 1L;
        assertEquals(MemberIds.clusterId(List.of(high, low)), MemberIds.clusterId(List.of(low, high)));
    }
}
