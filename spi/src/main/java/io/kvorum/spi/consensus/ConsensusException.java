package io.kvorum.spi.consensus;

/** A consensus operation that could not be done; {@link #reason()} says why, in etcd's terms. */
public final class ConsensusException extends RuntimeException {

    /** Why an operation failed; the server maps each to etcd's wire error. */
    public enum Reason {
        NO_LEADER,
        NOT_LEADER,
        LEADER_CHANGED,
        STOPPED,
        TIMEOUT,
        TOO_MANY_REQUESTS,
        MEMBER_NOT_FOUND,
        MEMBER_EXISTS,
        PEER_URL_EXISTS,
        MEMBER_NOT_LEARNER,
        LEARNER_NOT_READY,
        TOO_MANY_LEARNERS,
        NOT_ENOUGH_STARTED_MEMBERS,
        BAD_LEADER_TRANSFEREE,
        /** The provider cannot do this at all (e.g. membership changes on a single-member provider). */
        UNSUPPORTED
    }

    private final Reason reason;

    public ConsensusException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
