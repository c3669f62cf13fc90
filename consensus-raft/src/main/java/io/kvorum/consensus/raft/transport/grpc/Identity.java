package io.kvorum.consensus.raft.transport.grpc;

/** Who this member is, as {@code Transport.identify} set it. */
record Identity(long memberId, long clusterId) {
}
