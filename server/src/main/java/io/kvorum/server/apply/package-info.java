/**
 * The applier, etcd's {@code apply.go}: committed entries become MVCC, lease, auth, alarm and v2
 * changes here, on one thread, deterministically, and each batch is committed with its
 * consistent index. Start at {@link io.kvorum.server.apply.Applier}, the consensus' state
 * machine. It owns the waiters of the proposing requests, completed once their batch is durable,
 * and the applied index reads wait for. It knows nothing of the request side: the one thing it
 * proposes, this member's NOSPACE alarm, goes through what {@code Applier.enforce} is given.
 */
package io.kvorum.server.apply;
