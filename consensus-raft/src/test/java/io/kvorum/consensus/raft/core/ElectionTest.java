package io.kvorum.consensus.raft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ElectionTest {

    @Test
    void aCampaignWinsAndEveryMemberFollowsTheWinner() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        assertEquals(2, c.term(1));
        for (long id : List.of(2L, 3L)) {
            assertEquals(StateRole.FOLLOWER, c.role(id));
            assertEquals(1, c.status(id).softState().leader());
        }
    }

    @Test
    void electionTimeoutStartsAnElectionWithoutAnyoneAsking() {
        TestCluster c = TestCluster.ofVoters(3);
        c.tickAll(25); // beyond the longest randomized timeout, 2 * electionTick - 1
        long leaders = c.nodes.keySet().stream().filter(id -> c.role(id) == StateRole.LEADER).count();
        assertEquals(1, leaders);
    }

    @Test
    void preVoteKeepsAPartitionedMemberFromRaisingItsTermAndDisruptingOnReturn() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        long term = c.term(1);
        c.isolate(3);
        c.tick(3, 100); // many election timeouts, each only a pre-vote nobody answers
        assertEquals(term, c.term(3));
        c.heal();
        c.tickAll(3);
        assertEquals(StateRole.LEADER, c.role(1));
        assertEquals(term, c.term(1));
    }

    /** The control for the test above: without pre-vote the same partition does disrupt. */
    @Test
    void withoutPreVoteAReturningMemberForcesANewTerm() {
        TestCluster c = TestCluster.ofVoters(3, false, false);
        c.elect(1);
        long term = c.term(1);
        c.isolate(3);
        c.tick(3, 100);
        assertTrue(c.term(3) > term + 3);
        c.heal();
        c.tickAll(25); // its next campaign reaches everyone
        assertTrue(c.term(1) > term, "the leader was deposed by the higher term");
    }

    @Test
    void checkQuorumMakesALeaderCutOffFromItsQuorumStepDown() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        c.isolate(1);
        c.tick(1, 2 * 10);
        assertEquals(StateRole.FOLLOWER, c.role(1));
    }

    @Test
    void withoutCheckQuorumACutOffLeaderStaysLeader() {
        TestCluster c = TestCluster.ofVoters(3, true, false);
        c.elect(1);
        c.isolate(1);
        c.tick(1, 2 * 10);
        assertEquals(StateRole.LEADER, c.role(1));
    }

    @Test
    void aMemberHearingFromItsLeaderIgnoresVoteRequests() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        long term = c.term(2);
        c.node(2).step(Message.builder(MessageType.VOTE).from(3).to(2).term(term + 1).index(100).logTerm(term)
                .build());
        assertEquals(term, c.term(2), "a vote request inside the leader's lease must not move the term");
    }

    @Test
    void aMemberVotesForOneCandidatePerTerm() {
        TestCluster c = TestCluster.ofVoters(3, false, false);
        RawNode node = c.node(1);
        node.step(Message.builder(MessageType.VOTE).from(2).to(1).term(5).index(10).logTerm(4).build());
        node.step(Message.builder(MessageType.VOTE).from(3).to(1).term(5).index(10).logTerm(4).build());
        List<Message> answers = c.collect().stream().filter(m -> m.type() == MessageType.VOTE_RESP).toList();
        assertEquals(2, answers.size());
        assertEquals(false, answers.get(0).reject());
        assertEquals(true, answers.get(1).reject());
        assertEquals(2, c.storages.get(1L).hardState().vote(), "the vote is persisted with the Ready that sends it");
    }

    @Test
    void aCandidateWithAShorterLogIsNotElected() {
        TestCluster c = TestCluster.ofVoters(3, false, false);
        c.elect(1);
        c.isolate(3);
        c.node(1).propose("x".getBytes());
        c.stabilize();
        c.heal();
        c.dropIf(m -> m.from() == 1 || m.to() == 1); // the leader is gone; 3 lacks "x", 2 has it
        c.node(3).campaign();
        c.stabilize();
        assertEquals(StateRole.CANDIDATE, c.role(3), "2 refused: its log has an entry 3 lacks");
        c.node(2).campaign();
        c.stabilize();
        assertEquals(StateRole.LEADER, c.role(2));
    }
}
