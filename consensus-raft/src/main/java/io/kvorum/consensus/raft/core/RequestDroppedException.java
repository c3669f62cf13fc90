package io.kvorum.consensus.raft.core;

/**
 * The node refused a proposal or read request and nothing of it was sent or appended: there is
 * no leader, this member is not part of the configuration, or leadership is being transferred.
 * The caller may retry later.
 */
public final class RequestDroppedException extends RuntimeException {
    public RequestDroppedException(String message) {
        super(message);
    }
}
