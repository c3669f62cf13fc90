package io.kvorum.server.auth;

import io.kvorum.spi.auth.TokenContext;
import io.kvorum.spi.auth.TokenProvider;
import io.kvorum.spi.auth.Tokens;

/** {@code --auth-token simple}, etcd's default: see {@link SimpleTokens}. */
public final class SimpleTokenProvider implements TokenProvider {
    @Override
    public String name() {
        return "simple";
    }

    @Override
    public String description() {
        return "etcd's simple tokens: random, kept in memory on every member, valid until unused for --auth-token-ttl";
    }

    @Override
    public Tokens create(TokenContext context) {
        return SimpleTokens.create(context);
    }
}
