package io.kvorum.server.auth;

import io.kvorum.spi.plugin.PluginOptions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * etcd's {@code --auth-token} value: the token provider's name, then its {@code key=value} options,
 * comma-separated ({@code jwt,pub-key=a.pub,priv-key=a.key,sign-method=RS256,ttl=10m}).
 *
 * @param provider the name of the token provider ({@code simple}, {@code jwt})
 * @param options  the options after it, for that provider only
 */
public record AuthTokenSpec(String provider, PluginOptions options) {
    /** etcd's message for a malformed value (its {@code ErrInvalidAuthOpts}). */
    private static final String INVALID_OPTIONS = "auth: invalid auth options";

    /** @throws IllegalArgumentException naming {@code --auth-token} when the value is malformed */
    public static AuthTokenSpec parse(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("--auth-token: a token provider is needed (simple or jwt,…)");
        }
        String[] parts = value.split(",", -1);
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String[] pair = parts[i].split("=", -1);
            if (pair.length != 2 || pair[0].isEmpty()) {
                throw new IllegalArgumentException("--auth-token: " + INVALID_OPTIONS + ": invalid option \""
                        + parts[i] + "\" in " + value + " (expected key=value)");
            }
            if (options.put(pair[0], pair[1]) != null) {
                throw new IllegalArgumentException("--auth-token: " + INVALID_OPTIONS + ": option " + pair[0]
                        + " given twice in " + value);
            }
        }
        return new AuthTokenSpec(parts[0].trim(), PluginOptions.of(options));
    }
}
