/**
 * The request side, etcd's {@code v3_server.go}: a request the edge has validated is proposed
 * here with a request id and waits for the applier to answer it (writes), or waits for a read
 * index to be applied and then reads this member's store off the apply thread (linearizable
 * reads). Start at {@link io.kvorum.server.request.KvRequests}; {@code LeaseRequests},
 * {@code AuthRequests} and {@code V2Requests} propose through it. It never applies anything: it
 * hands over to the applier only through {@link io.kvorum.server.apply.Applier}'s waiters
 * ({@code await}, {@code fail}) and applied index ({@code awaitApplied}).
 */
package io.kvorum.server.request;
