package io.kvorum.consensus.raft.transport.grpc;

import io.grpc.netty.GrpcSslContexts;
import io.kvorum.spi.tls.TlsMaterial;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import javax.net.ssl.SSLException;

/**
 * The peer port's TLS contexts, built once from the TLS provider's material: the server side for
 * {@code https://} listeners, the client side for channels to {@code https://} peer URLs. Both use
 * the provider's key and trust managers, which answer each handshake from the files current at
 * that moment, so rotated peer certificates need no restart. The JDK's TLS engine is used: it asks
 * the managers at every handshake.
 */
record PeerTlsContexts(SslContext server, SslContext client) {

    static PeerTlsContexts of(TlsMaterial material) throws SSLException {
        var settings = material.settings();
        SslContextBuilder server = SslContextBuilder.forServer(material.keyManager())
                .clientAuth(material.clientCertRequired() ? ClientAuth.REQUIRE : ClientAuth.NONE)
                .protocols(settings.protocols());
        SslContextBuilder client = SslContextBuilder.forClient().keyManager(material.keyManager())
                .protocols(settings.protocols());
        if (material.trustManager().isPresent()) {
            server.trustManager(material.trustManager().get());
            client.trustManager(material.trustManager().get());
        } else if (settings.autoTls()) {
            // etcd's --peer-auto-tls: self-signed peers, whose certificates nothing can verify.
            client.trustManager(InsecureTrustManagerFactory.INSTANCE);
        }
        // gRPC's defaults (ALPN, HTTP/2's suites) first, then the suites --cipher-suites names, if any.
        GrpcSslContexts.configure(server, SslProvider.JDK);
        GrpcSslContexts.configure(client, SslProvider.JDK);
        if (!settings.cipherSuites().isEmpty()) {
            server.ciphers(settings.cipherSuites());
            client.ciphers(settings.cipherSuites());
        }
        return new PeerTlsContexts(server.build(), client.build());
    }
}
