package io.kvorum.launcher;

import io.kvorum.launcher.discovery.DiscoverySettings;
import io.kvorum.launcher.proxy.ProxyConfig;
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
     * @param fallbackProxy the v2 proxy this process runs instead when discovery finds the cluster full
     *                   and {@code --discovery-fallback} is {@code proxy}, as etcd's
     */
    record Serve(ServerConfig config, LogLevel logLevel, List<String> warnings, List<Path> pluginDirs,
                 List<String> notices, boolean enablePprof, LogFlags logging, DiscoverySettings discovery,
                 ProxyConfig fallbackProxy)
            implements Command {
        public Serve {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(logLevel, "logLevel");
            Objects.requireNonNull(logging, "logging");
            Objects.requireNonNull(discovery, "discovery");
            Objects.requireNonNull(fallbackProxy, "fallbackProxy");
            warnings = List.copyOf(warnings);
            pluginDirs = List.copyOf(pluginDirs);
            notices = List.copyOf(notices);
        }

        /** This command with {@code newConfig}, e.g. the initial cluster discovery found. */
        Serve withConfig(ServerConfig newConfig) {
            return new Serve(newConfig, logLevel, warnings, pluginDirs, notices, enablePprof, logging, discovery,
                    fallbackProxy);
        }

        /** The proxy to run when discovery finds the cluster full: this member's flags, its consensus plugin. */
        Proxy asFallbackProxy() {
            return new Proxy(fallbackProxy, config.consensus(), logLevel, warnings, pluginDirs, logging, discovery);
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
     * @param discovery  {@code --discovery*}: with a discovery URL, the proxy's first peer URLs are the
     *                   token's registered members, as etcd's
     */
    record Proxy(ProxyConfig proxy, String consensus, LogLevel logLevel, List<String> warnings,
                 List<Path> pluginDirs, LogFlags logging, DiscoverySettings discovery) implements Command {
        public Proxy {
            Objects.requireNonNull(proxy, "proxy");
            Objects.requireNonNull(discovery, "discovery");
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
