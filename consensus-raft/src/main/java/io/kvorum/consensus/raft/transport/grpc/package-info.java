/**
 * The Raft peer transport over gRPC ({@link io.kvorum.consensus.raft.transport.grpc.GrpcTransport}):
 * grpc-java on Netty, no generated code, one service {@code kvorum.raft.Peer} on the peer URLs.
 *
 * <p>Three methods, all carrying raw bytes: {@code Stream} (client-streaming, one per ordered pair
 * of members, each frame a batch of {@link io.kvorum.consensus.raft.core.Encoding encoded} Raft
 * messages), {@code Snapshot} (client-streaming, the encoded snapshot message then the body in
 * chunks of at most 1 MiB) and {@code Call} (unary, a method name and a request for
 * {@link io.kvorum.consensus.raft.transport.Transport.Inbound#onCall}). Streams carry the cluster
 * id, the sender's and the receiver's member ids in their headers; a receiver of another cluster
 * answers {@code FAILED_PRECONDITION}. Both directions follow gRPC flow control: a slow peer only
 * fills its own bounded queue, and neither blocks the caller nor makes memory grow.
 *
 * <p>Threads, all daemons named {@code kvorum-raft-transport-…}: Netty's event loops (inbound Raft
 * messages are handed to {@code Inbound} there, without a hop); one sender thread that owns every
 * outbound stream (connects, batches, reconnects with backoff); a pool of workers for snapshots
 * (both directions) and calls.
 */
package io.kvorum.consensus.raft.transport.grpc;
