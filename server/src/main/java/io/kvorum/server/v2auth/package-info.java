/**
 * etcd's v2 auth ({@code v2auth}): users with bcrypt passwords and roles, roles with read and
 * write key patterns, the {@code root} and {@code guest} roles, and whether auth is on, all kept
 * in the v2 store under {@code /2} as etcd 3.4 keeps them. Start with {@link io.kvorum.server.v2auth.V2AuthStore};
 * the HTTP side is in {@code v2http}.
 */
package io.kvorum.server.v2auth;
