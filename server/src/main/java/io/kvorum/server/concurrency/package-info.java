/**
 * The server-side Lock and Election services: etcd's client "concurrency" recipes (mutex,
 * election) run inside the server over its own KV, lease and watch, without blocking a thread
 * while they wait.
 */
package io.kvorum.server.concurrency;
