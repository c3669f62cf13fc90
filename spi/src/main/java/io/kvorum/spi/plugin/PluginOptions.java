package io.kvorum.spi.plugin;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The options given to one plugin only (flags {@code --<kind>-opt key=value} or its section of
 * the config file), already narrowed to that plugin's namespace.
 */
public final class PluginOptions {
    private static final PluginOptions EMPTY = new PluginOptions(Map.of());

    private final Map<String, String> values;

    private PluginOptions(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    public static PluginOptions empty() {
        return EMPTY;
    }

    public static PluginOptions of(Map<String, String> values) {
        return values.isEmpty() ? EMPTY : new PluginOptions(values);
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public String get(String key, String defaultValue) {
        return values.getOrDefault(key, defaultValue);
    }

    public long getLong(String key, long defaultValue) {
        String v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + key + ": not a number: " + v, e);
        }
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        String v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        return switch (v.trim().toLowerCase()) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new IllegalArgumentException("option " + key + ": not a boolean: " + v);
        };
    }

    public Map<String, String> asMap() {
        return values;
    }

    /** Renders the options for logs, with values of keys that look secret masked. */
    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        values.forEach((k, v) -> shown.put(k, isSecret(k) ? "****" : v));
        return shown.toString();
    }

    /** Passwords, secrets, tokens and private keys; not every name with "key" in it (e.g. bloom-bits-per-key). */
    private static boolean isSecret(String key) {
        String k = key.toLowerCase();
        return k.contains("password") || k.contains("secret") || k.contains("token") || k.contains("priv");
    }
}
