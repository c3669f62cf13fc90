package io.kvorum.launcher.plugin;

import io.kvorum.spi.auth.TokenProvider;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.consensus.ConsensusProvider;
import io.kvorum.spi.metrics.MetricsExporterProvider;
import io.kvorum.spi.plugin.PluginProvider;
import io.kvorum.spi.tls.TlsProvider;

/** The kinds of plugin a member is started with, each chosen by its own flag. */
public enum PluginKind {
    BACKEND("backend", BackendProvider.class, false),
    CONSENSUS("consensus", ConsensusProvider.class, false),
    /** etcd's {@code --auth-token}, whose value carries the options after the name: {@code jwt,pub-key=…}. */
    AUTH_TOKEN("auth-token", TokenProvider.class, true),
    TLS("tls", TlsProvider.class, false),
    /** {@code --metrics-exporter}, which may name several. */
    METRICS_EXPORTER("metrics-exporter", MetricsExporterProvider.class, false);

    private final String word;
    private final Class<? extends PluginProvider> type;
    private final boolean inlineOptions;

    PluginKind(String word, Class<? extends PluginProvider> type, boolean inlineOptions) {
        this.word = word;
        this.type = type;
        this.inlineOptions = inlineOptions;
    }

    /** The kind as users write it, e.g. {@code backend}. */
    public String word() {
        return word;
    }

    /** The kind as a heading, e.g. {@code Backend}, {@code TLS}. */
    public String title() {
        if (this == TLS) {
            return "TLS";
        }
        return Character.toUpperCase(word.charAt(0)) + word.substring(1).replace('-', ' ');
    }

    /** The flag that selects a plugin of this kind by name, e.g. {@code --backend}. */
    public String flag() {
        return "--" + word;
    }

    /** The repeatable flag that passes options to the selected plugin, e.g. {@code --backend-opt}. */
    public String optionFlag() {
        return "--" + word + "-opt";
    }

    /** How a user gives option {@code option} to plugin {@code name} of this kind. */
    public String optionUsage(String name, String option) {
        return inlineOptions ? flag() + " " + name + "," + option + "=..." : optionFlag() + " " + option + "=...";
    }

    /** The service interface its providers implement. */
    public Class<? extends PluginProvider> type() {
        return type;
    }
}
