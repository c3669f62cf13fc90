package io.kvorum.consensus.raft.core;

/** Bytes that do not decode into the value asked for: truncated, or not written by {@link Encoding}. */
public final class EncodingException extends RuntimeException {
    public EncodingException(String message) {
        super(message);
    }
}
