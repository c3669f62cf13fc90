package io.kvorum.consensus.raft.node;

import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.ConsensusException.Reason;

/** The failures this provider reports, with etcd's own messages for them. */
final class EtcdErrors {
    private EtcdErrors() {
    }

    static ConsensusException noLeader() {
        return new ConsensusException(Reason.NO_LEADER, "etcdserver: no leader");
    }

    static ConsensusException notLeader() {
        return new ConsensusException(Reason.NOT_LEADER, "etcdserver: not leader");
    }

    static ConsensusException leaderChanged() {
        return new ConsensusException(Reason.LEADER_CHANGED, "etcdserver: leader changed");
    }

    static ConsensusException stopped() {
        return new ConsensusException(Reason.STOPPED, "etcdserver: server stopped");
    }

    static ConsensusException tooManyRequests() {
        return new ConsensusException(Reason.TOO_MANY_REQUESTS, "etcdserver: too many requests");
    }

    static ConsensusException timeout() {
        return new ConsensusException(Reason.TIMEOUT, "etcdserver: request timed out");
    }

    static ConsensusException transferTimeout() {
        return new ConsensusException(Reason.TIMEOUT, "etcdserver: request timed out, leader transfer took too long");
    }

    static ConsensusException memberNotFound() {
        return new ConsensusException(Reason.MEMBER_NOT_FOUND, "etcdserver: member not found");
    }

    static ConsensusException memberExists() {
        return new ConsensusException(Reason.MEMBER_EXISTS, "etcdserver: member ID already exist");
    }

    static ConsensusException peerUrlExists() {
        return new ConsensusException(Reason.PEER_URL_EXISTS, "etcdserver: Peer URLs already exists");
    }

    static ConsensusException memberNotLearner() {
        return new ConsensusException(Reason.MEMBER_NOT_LEARNER, "etcdserver: can only promote a learner member");
    }

    static ConsensusException learnerNotReady() {
        return new ConsensusException(Reason.LEARNER_NOT_READY,
                "etcdserver: can only promote a learner member which is in sync with leader");
    }

    static ConsensusException tooManyLearners() {
        return new ConsensusException(Reason.TOO_MANY_LEARNERS, "etcdserver: too many learner members in cluster");
    }

    static ConsensusException notEnoughStartedMembers() {
        return new ConsensusException(Reason.NOT_ENOUGH_STARTED_MEMBERS,
                "etcdserver: re-configuration failed due to not enough started members");
    }

    static ConsensusException badLeaderTransferee() {
        return new ConsensusException(Reason.BAD_LEADER_TRANSFEREE, "etcdserver: bad leader transferee");
    }
}
