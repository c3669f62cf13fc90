/**
 * The etcd server: MVCC store, apply loop, gRPC services, the {@code standalone} consensus, and
 * the embedding API. Plugins reach it only through the SPI.
 */
module io.kvorum.server {
    requires transitive io.kvorum.spi;
    requires io.kvorum.api;
    requires com.linecorp.armeria;
    requires com.linecorp.armeria.grpc;
    // gRPC's framing for the watch edge (grpc.WatchCall): Armeria's deframer, so its errors are the GrpcService's
    requires com.linecorp.armeria.grpc.protocol;
    // the gateway's websocket frames and answers (gateway.GatewaySocket) and a v2 form body read up to
    // Go's limit (v2http.FormBody) are reactive streams, as Armeria's messages are
    requires org.reactivestreams;
    requires io.grpc;
    requires io.grpc.stub;
    // the leader's client port, for a member that forwards to it (forward.LeaderClient)
    requires io.grpc.netty;
    requires io.netty.common;
    requires io.netty.transport;
    // TLS on the client port: Armeria is configured through Netty's SslContextBuilder
    requires io.netty.handler;
    // etcd's gRPC keepalive on client connections (ClientKeepAlive): Netty's HTTP/2 handler under Armeria
    requires io.netty.codec.http2;
    // a request path with .. redirected as etcd does (v2http.DotDotPaths): Netty's HTTP/1 request under Armeria
    requires io.netty.codec.http;
    requires io.netty.buffer;
    // SO_REUSEPORT on listeners (ListenerSockets)
    requires io.netty.transport.unix.common;
    // the listeners' accepting loops, of Armeria's transport (QuickStopBossGroup)
    requires io.netty.transport.classes.epoll;
    requires io.grpc.services;
    requires com.google.protobuf;
    // the gRPC-JSON gateway: messages as JSON, and the JSON of its bodies and errors
    requires com.google.protobuf.util;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    requires proto.google.common.protos;
    requires org.slf4j;
    // the file descriptor gauges (os_fd_used, os_fd_limit)
    requires jdk.management;
    // bcrypt for passwords (auth.Passwords)
    requires org.bouncycastle.provider;

    exports io.kvorum.server;

    uses io.kvorum.spi.backend.BackendProvider;
    uses io.kvorum.spi.consensus.ConsensusProvider;
    uses io.kvorum.spi.auth.TokenProvider;
    uses io.kvorum.spi.tls.TlsProvider;
    uses io.kvorum.spi.metrics.MetricsExporterProvider;

    provides io.kvorum.spi.consensus.ConsensusProvider
            with io.kvorum.server.standalone.StandaloneConsensusProvider;
    provides io.kvorum.spi.auth.TokenProvider
            with io.kvorum.server.auth.SimpleTokenProvider;
}
