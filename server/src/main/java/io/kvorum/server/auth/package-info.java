/**
 * etcd's auth: users, roles and key permissions in the backend's auth buckets (changed only by the
 * apply loop), the permission checks every request passes, bcrypt passwords, and the {@code simple}
 * token issuer. Start with {@link io.kvorum.server.auth.AuthStore}.
 */
package io.kvorum.server.auth;
