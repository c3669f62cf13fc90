package io.kvorum.server.compaction;

import io.kvorum.server.GoDuration;
import java.time.Duration;

/**
 * What {@code --auto-compaction-mode} and {@code --auto-compaction-retention} ask for, read as
 * etcd reads them: a whole number is hours for {@code periodic} and revisions for
 * {@code revision}; anything else must be a Go duration (for {@code revision}, as in etcd, its
 * nanoseconds then count as revisions). A retention of zero turns auto-compaction off.
 *
 * @param mode      which compactor
 * @param retention for {@link Mode#PERIODIC}, how long history is kept, in nanoseconds; for
 *                  {@link Mode#REVISION}, how many revisions are kept; 0: off
 */
public record AutoCompaction(Mode mode, long retention) {

    /** etcd's compaction modes, by their flag values. */
    public enum Mode {
        /** Keeps the history of the last retention period ({@code periodic}). */
        PERIODIC("periodic"),
        /** Keeps the last retention revisions ({@code revision}). */
        REVISION("revision");

        private final String flagValue;

        Mode(String flagValue) {
            this.flagValue = flagValue;
        }

        public String flagValue() {
            return flagValue;
        }
    }

    /** Whether a compactor runs at all. */
    public boolean enabled() {
        return retention != 0;
    }

    /**
     * etcd's reading of the two flags.
     *
     * @throws IllegalArgumentException with etcd's message, naming the flag
     */
    public static AutoCompaction parse(String mode, String retention) {
        Mode m = switch (mode) {
            case "periodic", "" -> Mode.PERIODIC;
            case "revision" -> Mode.REVISION;
            default -> throw new IllegalArgumentException("--auto-compaction-mode: unknown auto-compaction-mode \""
                    + mode + "\"");
        };
        String r = retention.isEmpty() ? "0" : retention;
        if (r.matches("[+-]?\\d+")) {
            try {
                long whole = Long.parseLong(r);
                if (whole >= 0) {
                    return new AutoCompaction(m, m == Mode.PERIODIC ? Duration.ofHours(whole).toNanos() : whole);
                }
            } catch (NumberFormatException | ArithmeticException e) {
                // out of range: Go's Atoi fails too, and the text goes on to ParseDuration
            }
        }
        long nanos;
        try {
            nanos = GoDuration.parseNanos(r);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--auto-compaction-retention: error parsing CompactionRetention: "
                    + e.getMessage(), e);
        }
        // etcd would run a compactor that never waits; refuse it instead
        if (nanos < 0) {
            throw new IllegalArgumentException("--auto-compaction-retention: must not be negative, got \"" + r + "\"");
        }
        return new AutoCompaction(m, nanos);
    }
}
