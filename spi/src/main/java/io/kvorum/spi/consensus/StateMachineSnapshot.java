package io.kvorum.spi.consensus;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The state machine's whole state as of one applied entry, opened by
 * {@link StateMachine#openSnapshot()} on the thread that applies, and written later from another
 * thread while applying goes on: the image always holds the state as of {@link #index()}, whatever
 * was applied or restored since. Close it when done; until then it pins storage.
 *
 * <p>Threads: {@link #writeTo} may be called from any thread, more than once, one call at a time;
 * {@link #close} from any thread.
 */
public interface StateMachineSnapshot extends AutoCloseable {

    /** The index of the last entry applied in the image. */
    long index();

    /** The term of that entry. */
    long term();

    /**
     * Writes the image, in the format {@link StateMachine#restoreSnapshot(java.io.InputStream)}
     * reads: afterwards that state machine's applied index is {@link #index()}. Does not close
     * {@code out}.
     */
    void writeTo(OutputStream out) throws IOException;

    /** Releases what the snapshot pins. Idempotent; an {@link java.io.UncheckedIOException} if that fails. */
    @Override
    void close();
}
