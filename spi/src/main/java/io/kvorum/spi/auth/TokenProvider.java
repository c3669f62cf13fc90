package io.kvorum.spi.auth;

import io.kvorum.spi.plugin.PluginProvider;

/**
 * Found by {@link java.util.ServiceLoader}; selected by the first word of {@code --auth-token}
 * (e.g. {@code simple}, or {@code jwt} in {@code jwt,pub-key=…,priv-key=…,sign-method=RS256,ttl=5m}).
 * The words after it reach {@link TokenContext#options()} as {@code key=value} options.
 */
public interface TokenProvider extends PluginProvider {

    /**
     * Builds the token issuer of one member.
     *
     * @throws IllegalArgumentException when an option is unknown or invalid; the message names it
     */
    Tokens create(TokenContext context);
}
