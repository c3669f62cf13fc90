/**
 * Raft consensus: the pure algorithm ({@code io.kvorum.consensus.raft.core}), the WAL, the peer
 * transport contract, and the {@code raft} consensus provider ({@code io.kvorum.consensus.raft.node})
 * that drives them. Nothing is exported: the server reaches this module through {@code ServiceLoader}
 * only.
 */
module io.kvorum.consensus.raft {
    requires io.kvorum.spi;

    // The peer transport: grpc-java over Netty. Netty's jars are named modules that the automatic
    // grpc modules cannot require themselves, so they are required here for them.
    requires io.grpc;
    requires io.grpc.netty;
    requires io.netty.common;
    requires io.netty.transport;
    requires io.netty.codec.http2;
    requires io.netty.handler.proxy;
    // TLS on https:// peer URLs (SslContextBuilder)
    requires io.netty.handler;

    provides io.kvorum.spi.consensus.ConsensusProvider with io.kvorum.consensus.raft.node.RaftConsensusProvider;
}
