/**
 * etcd's KV request semantics over MVCC, shared by the two sides that run them: the applier
 * writes through a {@link io.kvorum.server.kv.KvWriter} on the apply thread, the readers read
 * through a {@link io.kvorum.server.kv.KvReader} pinned at one revision, off it. Start at
 * {@link io.kvorum.server.kv.KvSemantics}. Knows neither the log nor who proposed: no consensus,
 * no waiters, no threads of its own.
 */
package io.kvorum.server.kv;
