package io.kvorum.spi.plugin;

import java.util.Map;

/** What every plugin factory says about itself: the name configuration refers to, and its options. */
public interface PluginProvider {

    /** The name users select this plugin by (e.g. {@code rocksdb}); lower case, stable. */
    String name();

    /** One line, shown by {@code kvorum --help}. */
    default String description() {
        return "";
    }

    /** The options this plugin understands, option name to a one-line description. */
    default Map<String, String> options() {
        return Map.of();
    }
}
