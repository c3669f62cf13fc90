package io.kvorum.launcher;

import io.kvorum.server.GoDuration.InvalidDurationException;
import java.time.Duration;

/**
 * A duration flag's value ({@code 10m}, {@code 1h30m}, {@code 1.5s}, {@code 100ms}), read with the
 * server's Go duration parser; the messages are worded for the command line.
 */
final class GoDuration {
    private GoDuration() {
    }

    static Duration parse(String text) {
        try {
            return Duration.ofNanos(io.kvorum.server.GoDuration.parseNanos(text));
        } catch (InvalidDurationException e) {
            throw new IllegalArgumentException(switch (e.reason()) {
                case EMPTY -> "invalid duration";
                case MISSING_UNIT, SYNTAX -> "invalid duration (e.g. 10m, 1h30m, 500ms)";
                case OUT_OF_RANGE -> "duration out of range";
            });
        }
    }
}
