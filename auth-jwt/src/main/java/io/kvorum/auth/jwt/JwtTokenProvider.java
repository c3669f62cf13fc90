package io.kvorum.auth.jwt;

import io.kvorum.spi.auth.TokenContext;
import io.kvorum.spi.auth.TokenProvider;
import io.kvorum.spi.auth.Tokens;
import java.lang.System.Logger.Level;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --auth-token jwt,pub-key=<file>,priv-key=<file>,sign-method=<method>[,ttl=<duration>]}:
 * etcd's signed tokens (see {@link JwtTokens}). Options and keys are checked at start with etcd's
 * messages; a member given only {@code pub-key} verifies tokens and cannot issue them.
 */
public final class JwtTokenProvider implements TokenProvider {
    private static final System.Logger LOG = System.getLogger(JwtTokenProvider.class.getName());

    @Override
    public String name() {
        return "jwt";
    }

    @Override
    public String description() {
        return "etcd's JSON Web Tokens: signed, verifiable by every member holding the key, valid for their ttl";
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put(JwtOptions.SIGN_METHOD, "RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512,"
                + " HS256, HS384 or HS512 (required)");
        options.put(JwtOptions.PRIVATE_KEY, "PEM file of the private key that signs tokens (the secret itself for HS*)");
        options.put(JwtOptions.PUBLIC_KEY, "PEM file of the public key that verifies tokens (alone: verify only)");
        options.put(JwtOptions.TTL, "how long a token is valid, a Go duration (default 5m)");
        return Collections.unmodifiableMap(options);
    }

    @Override
    public Tokens create(TokenContext context) {
        return create(context.options().asMap());
    }

    static JwtTokens create(Map<String, String> optionValues) {
        JwtOptions options = JwtOptions.parse(optionValues);
        if (!options.unknown().isEmpty()) {
            LOG.log(Level.WARNING, "unknown JWT options: {0}", options.unknown());
        }
        JwtTokens tokens = new JwtTokens(options.method(), SigningKeys.load(options), options.ttl(),
                () -> System.currentTimeMillis() / 1000);
        if (tokens.verifyOnly()) {
            LOG.log(Level.INFO, "JWT tokens: verify only (no priv-key); this member cannot issue tokens");
        }
        return tokens;
    }
}
