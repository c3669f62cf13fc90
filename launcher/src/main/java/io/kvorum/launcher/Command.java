package io.kvorum.launcher;

import io.kvorum.launcher.discovery.DiscoverySettings;
import io.kvorum.server.ServerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** What the command line asks kvorum to do. */
sealed interface Command {

    /**
     * Start a member and serve until stopped.
     *
     * @param config   the member's configuration, validated
     * @param logLevel {@code --log-level}
     * @param warnings   things worth telling the user that do not stop the start, e.g. unknown
     *                   {@code ETCD_*} variables
     * @param pluginDirs {@code --plugin-dir}: folders of drop-in plugins besides the distribution's
     * @param notices    things to log at info level at start, e.g. that a config file's settings are used
     * @param enablePprof {@code --enable-pprof}: record with JDK Flight Recorder (see {@link Profiling})
     * @param logging    {@code --logger}, {@code --log-outputs}, {@code --log-format}, {@code --log-package-levels}
     * @param discovery  {@code --discovery*}: where the initial cluster comes from when it is discovered
     */
    record Serve(ServerConfig config, LogLevel logLevel, List<String> warnings, List<Path> pluginDirs,
                 List<String> notices, boolean enablePprof, LogFlags logging, DiscoverySettings discovery)
            implements Command {
        public Serve {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(logLevel, "logLevel");
            Objects.requireNonNull(logging, "logging");
            Objects.requireNonNull(discovery, "discovery");
            warnings = List.copyOf(warnings);
            pluginDirs = List.copyOf(pluginDirs);
            notices = List.copyOf(notices);
        }

        public Serve(ServerConfig config, LogLevel logLevel, List<String> warnings, List<Path> pluginDirs) {
            this(config, logLevel, warnings, pluginDirs, List.of(), false, LogFlags.DEFAULT, DiscoverySettings.NONE);
        }

        /** This command with {@code newConfig}, e.g. the initial cluster discovery found. */
        Serve withConfig(ServerConfig newConfig) {
            return new Serve(newConfig, logLevel, warnings, pluginDirs, notices, enablePprof, logging, discovery);
        }
    }

    /**
     * Run a v2 proxy ({@code --proxy on|readonly}) until stopped.
     *
     * @param proxy      the proxy's configuration
     * @param consensus  {@code --consensus}: the plugin that asks kvorum's peers for the members
     * @param logLevel   {@code --log-level}
     * @param warnings   things worth telling the user that do not stop the start
     * @param pluginDirs {@code --plugin-dir}
     * @param logging    {@code --logger}, {@code --log-outputs}, {@code --log-format}, {@code --log-package-levels}
     */
    record Proxy(io.kvorum.launcher.proxy.ProxyConfig proxy, String consensus, LogLevel logLevel, List<String> warnings,
                 List<Path> pluginDirs, LogFlags logging) implements Command {
        public Proxy {
            Objects.requireNonNull(proxy, "proxy");
            Objects.requireNonNull(consensus, "consensus");
            Objects.requireNonNull(logLevel, "logLevel");
            Objects.requireNonNull(logging, "logging");
            warnings = List.copyOf(warnings);
            pluginDirs = List.copyOf(pluginDirs);
        }
    }

    /** Print the flags and the installed plugins, and exit. */
    record ShowHelp(List<Path> pluginDirs) implements Command {
        public ShowHelp {
            pluginDirs = List.copyOf(pluginDirs);
        }
    }

    /** {@code kvorum plugins}: list the installed plugins, where each came from, and exit. */
    record ListPlugins(List<Path> pluginDirs) implements Command {
        public ListPlugins {
            pluginDirs = List.copyOf(pluginDirs);
        }
    }

    /** Print the version and exit. */
    record ShowVersion() implements Command {
    }

    /**
     * {@code kvorum snapshot save|status|restore} and {@code kvorum migrate}: etcd's snapshot file and data dir.
     *
     * @param action     a {@link SnapshotCommand.Save}, {@link SnapshotCommand.Status}, {@link SnapshotCommand.Restore}
     *                   or {@link SnapshotCommand.Migrate}
     * @param pluginDirs {@code --plugin-dir}: folders of drop-in plugins (the backend a restore writes)
     */
    record Snapshot(Record action, List<Path> pluginDirs) implements Command {
        public Snapshot {
            Objects.requireNonNull(action, "action");
            pluginDirs = List.copyOf(pluginDirs);
        }
    }
}
