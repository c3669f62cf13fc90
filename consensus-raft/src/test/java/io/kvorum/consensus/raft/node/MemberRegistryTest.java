package io.kvorum.consensus.raft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.spi.consensus.ConsensusException.Reason;
import io.kvorum.spi.consensus.Member;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MemberRegistryTest {

    private static Member voter(long id, String name) {
        return new Member(id, name, List.of("http://10.0.0." + id + ":2380"), List.of(), false);
    }

    private static Reason reason(Optional<io.kvorum.spi.consensus.ConsensusException> refusal) {
        return refusal.orElseThrow().reason();
    }

    @Test
    void theLearnerLimitIsEtcdsMaxLearners() {
        MemberRegistry r = new MemberRegistry();
        r.add(voter(1, "a"));
        r.add(new Member(7, "", List.of("http://10.0.0.7:2380"), List.of(), true));
        Member second = new Member(8, "", List.of("http://10.0.0.8:2380"), List.of(), true);
        assertTrue(r.refuseAdd(second, 2).isEmpty());
        r.add(second);
        assertEquals(Reason.TOO_MANY_LEARNERS, reason(r.refuseAdd(new Member(9, "", List.of("http://10.0.0.9:2380"),
                List.of(), true), 2)));
        assertTrue(r.refuseAdd(voter(3, "c"), 2).isEmpty(), "voters are not counted");
    }

    @Test
    void refusesWhatEtcdRefuses() {
        MemberRegistry r = new MemberRegistry();
        r.add(voter(1, "a"));
        r.add(voter(2, "b"));
        assertEquals(Reason.MEMBER_EXISTS, reason(r.refuseAdd(voter(1, ""))));
        assertEquals(Reason.PEER_URL_EXISTS, reason(r.refuseAdd(new Member(9, "", List.of("http://10.0.0.2:2380"),
                List.of(), false))));
        Member learner = new Member(7, "", List.of("http://10.0.0.7:2380"), List.of(), true);
        assertTrue(r.refuseAdd(learner).isEmpty());
        r.add(learner);
        assertEquals(Reason.TOO_MANY_LEARNERS, reason(r.refuseAdd(new Member(8, "", List.of("http://10.0.0.8:2380"),
                List.of(), true))));
        assertEquals(Reason.MEMBER_NOT_LEARNER, reason(r.refusePromote(1)));
        assertEquals(Reason.MEMBER_NOT_FOUND, reason(r.refusePromote(5)));
        assertTrue(r.refusePromote(7).isEmpty());
        assertEquals(Reason.MEMBER_NOT_FOUND, reason(r.refuseRemove(5)));
        assertEquals(Reason.PEER_URL_EXISTS, reason(r.refuseUpdate(1, List.of("http://10.0.0.2:2380"))));
        assertTrue(r.refuseUpdate(1, List.of("http://10.0.0.1:2380", "http://h:2380")).isEmpty());
    }

    @Test
    void strictReconfigurationCountsMembersThatPublishedTheirNames() {
        MemberRegistry r = new MemberRegistry();
        r.add(voter(1, "a"));
        assertTrue(r.readyToAddVoter(), "a second member for a one-member cluster is always allowed");
        r.add(voter(2, ""));
        assertFalse(r.readyToAddVoter(), "1 of 3 started is below a quorum");
        r.publish(2, "b", List.of("http://10.0.0.2:2379"));
        assertTrue(r.readyToAddVoter(), "2 of 3 started");
        r.add(voter(3, ""));
        r.add(voter(4, ""));
        assertFalse(r.readyToRemoveVoter(1), "without 1: 1 of 3 started");
        assertTrue(r.readyToRemoveVoter(3), "without 3: 2 of 3 started");
        r.add(new Member(5, "", List.of("http://10.0.0.5:2380"), List.of(), true));
        assertTrue(r.readyToPromote(5), "the learner counts as started: 3 of 5");
        r.remove(2);
        assertFalse(r.readyToPromote(5), "2 of 4 is below a quorum of 3");
    }

    @Test
    void survivesItsEncodingWithEveryField() {
        MemberRegistry r = new MemberRegistry();
        r.add(new Member(-5L, "high-bit", List.of("http://x:2380"), List.of("http://x:2379"), true));
        r.add(voter(1, "a"));
        r.add(voter(2, "b"));
        r.remove(2);
        MemberRegistry decoded = MemberRegistry.decode(r.encode());
        assertEquals(r.list(), decoded.list());
        assertTrue(decoded.wasRemoved(2), "removed members are remembered");
        assertEquals("etcdserver: member not found", decoded.refuseAdd(voter(2, "b")).orElseThrow().getMessage(),
                "a removed id never comes back (etcd's ErrIDRemoved)");
        assertFalse(decoded.wasRemoved(1));
        assertTrue(MemberRegistry.decode(new byte[0]).isEmpty());
    }
}
