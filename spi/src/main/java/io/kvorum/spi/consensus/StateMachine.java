package io.kvorum.spi.consensus;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * The server side of consensus: where committed entries go. Implemented by the server.
 *
 * <p>{@link #apply(List, boolean)}, {@link #writeSnapshot} and {@link #restoreSnapshot} are called
 * by one thread at a time, never concurrently with each other; entries handed to {@code apply}
 * are consecutive and start right after {@link #appliedIndex()}. Applying must be deterministic:
 * every member applies the same entries and reaches the same state.
 */
public interface StateMachine {

    /** The index of the last entry whose effects the state machine has stored (0 when empty). */
    long appliedIndex();

    /** The term of that entry (0 when empty). */
    long appliedTerm();

    /**
     * Applies committed entries, in order.
     *
     * @param durable when true the consensus keeps no log of its own that could replay these
     *                entries, so the state machine must make them durable before returning
     */
    void apply(List<Entry> entries, boolean durable);

    /** Writes a snapshot of the whole state, as of {@link #appliedIndex()}, for a member that fell behind. */
    void writeSnapshot(OutputStream out) throws IOException;

    /**
     * Replaces the whole state with a snapshot written by {@link #writeSnapshot(OutputStream)};
     * afterwards {@link #appliedIndex()} is the snapshot's.
     */
    void restoreSnapshot(InputStream in) throws IOException;
}
