package io.kvorum.server.snapshot;

import java.io.IOException;

/** A file that is not a bbolt database, or one whose structure does not hold. */
public final class BboltFormatException extends IOException {
    public BboltFormatException(String message) {
        super(message);
    }
}
