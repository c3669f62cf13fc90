/**
 * The auth token contract: a {@link io.kvorum.spi.auth.TokenProvider}, chosen by the first word of
 * etcd's {@code --auth-token} ({@code simple}, {@code jwt}), builds the {@link io.kvorum.spi.auth.Tokens}
 * that assign a token to an authenticated user at an auth revision and resolve a token back.
 */
package io.kvorum.spi.auth;
