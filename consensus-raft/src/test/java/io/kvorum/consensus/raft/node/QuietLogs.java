package io.kvorum.consensus.raft.node;

import java.util.logging.Level;
import java.util.logging.Logger;

/** Raises a logger's level for a long test run; loaded only once this module reads {@code java.logging}. */
final class QuietLogs {
    private static Logger held;

    private QuietLogs() {
    }

    /** Only SEVERE lines from {@code name} on; the returned action puts the level back. */
    static Runnable quiet(String name) {
        Logger logger = Logger.getLogger(name);
        held = logger; // the level lives as long as the logger object
        Level before = logger.getLevel();
        logger.setLevel(Level.SEVERE);
        return () -> logger.setLevel(before);
    }
}
