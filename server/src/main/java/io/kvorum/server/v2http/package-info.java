/**
 * etcd's v2 HTTP API on the client port ({@code --enable-v2}): {@code /v2/keys} with etcd's form
 * parameters, headers, bodies and statuses, long-poll and stream watches, and {@code /v2/machines},
 * {@code /v2/members}, {@code /v2/stats}. Start with {@link io.kvorum.server.v2http.V2Http}.
 */
package io.kvorum.server.v2http;
