/**
 * etcd's {@code jwt} tokens: {@link io.kvorum.auth.jwt.JwtTokenProvider} reads the options
 * ({@link io.kvorum.auth.jwt.JwtOptions}, keys through {@link io.kvorum.auth.jwt.PemKeys}) and builds
 * {@link io.kvorum.auth.jwt.JwtTokens}, which sign and verify tokens carrying etcd's claims
 * ({@code username}, {@code revision}, {@code exp}), so a token of real etcd and one of kvorum
 * signed with the same key are interchangeable. Start reading at {@code JwtTokens}.
 */
package io.kvorum.auth.jwt;
