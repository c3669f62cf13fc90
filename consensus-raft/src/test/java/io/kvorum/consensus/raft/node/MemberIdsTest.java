package io.kvorum.consensus.raft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class MemberIdsTest {

    @Test
    void aNewMemberGetsTheIdEtcdGivesItForTheSameUrlsAndSecond() {
        // etcd 3.4.23 answered MemberAdd{peerURLs: [http://10.0.0.9:2380, http://10.0.0.8:2380]} at Unix
        // second 1795228548 with member ID 1548961182834003737.
        assertEquals(1548961182834003737L, MemberIds.newMemberId(
                List.of("http://10.0.0.9:2380", "http://10.0.0.8:2380"), "", 1795228548L));
    }

    @Test
    void theIdChangesWithTheSecondSoARemovedMemberCanBeAddedAgain() {
        List<String> urls = List.of("http://10.0.0.8:2380");
        assertNotEquals(MemberIds.newMemberId(urls, "", 1795228548L), MemberIds.newMemberId(urls, "", 1795228549L));
    }
}
