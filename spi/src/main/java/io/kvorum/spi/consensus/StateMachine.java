package io.kvorum.spi.consensus;

import io.kvorum.spi.internal.SpooledImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * The server side of consensus: where committed entries go. Implemented by the server.
 *
 * <p>{@link #apply(List, boolean)}, {@link #openSnapshot}, {@link #writeSnapshot} and
 * {@link #restoreSnapshot} are called by one thread at a time, never concurrently with each other;
 * entries handed to {@code apply} are consecutive and start right after {@link #appliedIndex()}.
 * Applying must be deterministic: every member applies the same entries and reaches the same
 * state. The one thing that runs beside them is the writing of a snapshot already opened
 * ({@link StateMachineSnapshot#writeTo}), from any thread.
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

    /**
     * Writes a snapshot of the whole state, as of {@link #appliedIndex()}, for a member that fell
     * behind. Nothing may be applied until it returns; {@link #openSnapshot()} spares that wait.
     */
    void writeSnapshot(OutputStream out) throws IOException;

    /**
     * Opens a point-in-time snapshot of the whole state as of {@link #appliedIndex()} (its
     * {@link StateMachineSnapshot#index()} and {@link StateMachineSnapshot#term()} are those of
     * the entry applied last), for a member that fell behind. Called between {@code apply} calls,
     * never during one (possibly on another thread than {@code apply}'s); it should be cheap (a storage snapshot), so that applying goes
     * on at once while another thread writes the image.
     *
     * <p>The default, for state machines that cannot do better, writes the whole image with
     * {@link #writeSnapshot(OutputStream)} into a temporary file now, on the calling thread, and
     * writes that file out later: applying waits as long as a full write takes, as with
     * {@code writeSnapshot}, and the image takes its size on the temporary file system until closed.
     */
    default StateMachineSnapshot openSnapshot() throws IOException {
        long index = appliedIndex();
        long term = appliedTerm();
        SpooledImage image = SpooledImage.write("kvorum-state-", this::writeSnapshot);
        return new StateMachineSnapshot() {
            @Override
            public long index() {
                return index;
            }

            @Override
            public long term() {
                return term;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                image.writeTo(out);
            }

            @Override
            public void close() {
                image.delete();
            }
        };
    }

    /**
     * Replaces the whole state with a snapshot written by {@link #writeSnapshot(OutputStream)} or
     * {@link StateMachineSnapshot#writeTo}; afterwards {@link #appliedIndex()} is the snapshot's.
     * Snapshots opened before keep writing the state they were opened at.
     */
    void restoreSnapshot(InputStream in) throws IOException;
}
