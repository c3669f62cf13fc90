package io.kvorum.spi.consensus;

/**
 * A committed log entry handed to the state machine.
 *
 * @param index position in the log, starting at 1, without gaps
 * @param term  the term it was proposed in
 * @param data  the proposed bytes; empty for entries the consensus used for itself (they still
 *              advance the applied index)
 */
public record Entry(long index, long term, byte[] data) {
}
