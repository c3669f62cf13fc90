package io.kvorum.server.apply;

/**
 * The apply loop stopped for good: a committed entry could not be applied for a reason outside
 * etcd's request contract (a backend read error, a missing or undecodable record, an entry that
 * does not decode), or a batch could not be made durable. The other members applied that entry,
 * so this member must stop rather than go on with a state that differs from theirs; etcd panics
 * here. Nothing of the failed batch was committed: a restart applies it again from the log.
 */
public final class ApplyHaltedException extends RuntimeException {
    private final long index;

    ApplyHaltedException(String what, long index, long term, long applied, Throwable cause) {
        super(what + " at index " + index + " (term " + term + "): " + cause
                + "; the applied index stays " + applied + ", and a restart applies again from there", cause);
        this.index = index;
    }

    /** The index of the entry (or of the last entry of the batch) that could not be applied. */
    public long index() {
        return index;
    }
}
