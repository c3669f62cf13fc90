/**
 * The Raft peer transport over gRPC ({@link io.kvorum.consensus.raft.transport.grpc.GrpcTransport}):
 * grpc-java on Netty, no generated code, one service {@code kvorum.raft.Peer} on the peer URLs.
 *
 * <p>Three methods, all carrying raw bytes: {@code Stream} (client-streaming, one per ordered pair
 * of members, each frame a batch of {@link io.kvorum.consensus.raft.core.Encoding encoded} Raft
 * messages), {@code Snapshot} (client-streaming, the encoded snapshot message then the body in
 * chunks of at most 1 MiB) and {@code Call} (unary, a method name and a request for
 * {@link io.kvorum.consensus.raft.transport.Transport.Inbound#onCall}). Every one carries the
 * cluster id and the sender's member id (and the addressee's, and a call its method) in its
 * headers, and {@code PeerAdmission} refuses another
 * cluster ({@code FAILED_PRECONDITION}), a removed or unknown sender ({@code PERMISSION_DENIED})
 * and a caller without identity ({@code UNAUTHENTICATED}) before any frame is read; only the calls
 * {@code Inbound.callers} opens wider get through without. Every length in a frame is checked
 * before it sizes anything; a malformed frame closes its call with {@code INVALID_ARGUMENT}. Both
 * directions follow gRPC flow control: a slow peer only fills its own bounded queue, and neither
 * blocks the caller nor makes memory grow.
 *
 * <p>Threads, all daemons named {@code kvorum-raft-transport-…}: Netty's event loops (inbound Raft
 * messages are handed to {@code Inbound} there, without a hop); one sender thread that owns every
 * outbound stream (connects, batches, reconnects with backoff); four workers for calls (a bounded
 * queue before them) and up to sixteen threads for snapshots (both directions; at most two
 * received at once).
 */
package io.kvorum.consensus.raft.transport.grpc;
