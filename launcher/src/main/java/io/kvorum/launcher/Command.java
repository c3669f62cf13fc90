package io.kvorum.launcher;

import io.kvorum.server.ServerConfig;
import java.util.List;
import java.util.Objects;

/** What the command line asks kvorum to do. */
sealed interface Command {

    /**
     * Start a member and serve until stopped.
     *
     * @param config   the member's configuration, validated
     * @param logLevel {@code --log-level}
     * @param warnings things worth telling the user that do not stop the start, e.g. unknown
     *                 {@code ETCD_*} variables
     */
    record Serve(ServerConfig config, LogLevel logLevel, List<String> warnings) implements Command {
        public Serve {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(logLevel, "logLevel");
            warnings = List.copyOf(warnings);
        }
    }

    /** Print the flags and exit. */
    record ShowHelp() implements Command {
    }

    /** Print the version and exit. */
    record ShowVersion() implements Command {
    }
}
