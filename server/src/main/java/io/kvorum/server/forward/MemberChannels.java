package io.kvorum.server.forward;

import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.kvorum.spi.tls.TlsMaterial;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * Channels from this member to another member's client URL (the leader's, for forwarded lease
 * calls; each peer's, for corruption checks): plaintext to {@code http://} URLs, TLS to
 * {@code https://} ones with this member's own client-side material — its certificate as the
 * client certificate (members run with {@code --client-cert-auth} too) and its trusted CAs.
 * Without a trusted CA, auto-TLS members are not verified (as etcd), others by the JDK's CAs.
 */
public final class MemberChannels {
    private final Optional<SslContext> tls;

    private MemberChannels(Optional<SslContext> tls) {
        this.tls = tls;
    }

    /** Channels for a member with no client TLS: {@code https://} URLs are verified against the JDK's CAs. */
    public static MemberChannels plaintext() {
        return new MemberChannels(Optional.empty());
    }

    /** Channels that present and trust what this member's client port does. */
    public static MemberChannels of(Optional<TlsMaterial> clientTls) throws SSLException {
        if (clientTls.isEmpty()) {
            return plaintext();
        }
        TlsMaterial material = clientTls.get();
        SslContextBuilder builder = SslContextBuilder.forClient().keyManager(material.keyManager())
                .protocols(material.settings().protocols());
        if (material.trustManager().isPresent()) {
            builder.trustManager(material.trustManager().get());
        } else if (material.settings().autoTls()) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        }
        // gRPC's defaults (ALPN, HTTP/2's suites) first, then the suites --cipher-suites names, if any.
        GrpcSslContexts.configure(builder, SslProvider.JDK);
        if (!material.settings().cipherSuites().isEmpty()) {
            builder.ciphers(material.settings().cipherSuites());
        }
        return new MemberChannels(Optional.of(builder.build()));
    }

    /** A channel builder to {@code url}, with its transport security set; the caller adds the rest. */
    public NettyChannelBuilder to(URI url) {
        NettyChannelBuilder channel = NettyChannelBuilder.forAddress(new InetSocketAddress(url.getHost(), url.getPort()));
        if ("https".equals(url.getScheme())) {
            tls.ifPresent(channel::sslContext);
            channel.useTransportSecurity();
        } else {
            channel.usePlaintext();
        }
        return channel;
    }
}
