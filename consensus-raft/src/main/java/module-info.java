/**
 * Raft consensus. So far the pure algorithm ({@code io.kvorum.consensus.raft.core}); the WAL, the
 * peer transport and the {@code raft} consensus provider build on it. Until the provider lands the
 * server's {@code standalone} consensus serves single-member deployments. Nothing is exported:
 * the server will reach this module through {@code ServiceLoader} only.
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
}
