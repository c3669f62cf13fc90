package io.kvorum.consensus.raft.linearizability;

/**
 * One client operation on a register named by {@code key}: a write of a value unique in the
 * history, or a read and the value it returned (0: the key was absent).
 *
 * @param id       unique in the history
 * @param key      the register
 * @param write    a write (else a read)
 * @param value    written or read
 * @param invoke   when the client sent it, on a clock shared by all clients
 * @param response when the client got the answer; {@link #UNKNOWN} when it never did (timeout,
 *                 crash): the write may have happened, at any time after {@code invoke}, or never
 */
public record Operation(long id, String key, boolean write, long value, long invoke, long response) {
    public static final long UNKNOWN = Long.MAX_VALUE;

    public Operation {
        if (response <= invoke) {
            throw new IllegalArgumentException("operation " + id + " responds at " + response + ", not after its invocation at "
                    + invoke);
        }
        if (!write && response == UNKNOWN) {
            throw new IllegalArgumentException("a read without a response tells nothing; leave it out");
        }
    }

    @Override
    public String toString() {
        return "#" + id + " " + (write ? "write " : "read ") + key + "=" + value + " [" + invoke + ", "
                + (response == UNKNOWN ? "?" : response) + "]";
    }
}
