package io.kvorum.launcher;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.kvorum.launcher.plugin.PluginCatalog;
import io.kvorum.launcher.plugin.PluginKind;
import io.kvorum.launcher.plugin.PluginLoadException;
import io.kvorum.server.ServerConfig;
import io.kvorum.spi.plugin.PluginOptions;
import io.kvorum.spi.tls.TlsContext;
import io.kvorum.spi.tls.TlsMaterial;
import io.kvorum.spi.tls.TlsProvider;
import io.kvorum.spi.tls.TlsSettings;
import io.kvorum.spi.tls.TlsSide;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.kvorum.api.etcdserverpb.AuthGrpc;
import io.kvorum.api.etcdserverpb.AuthenticateRequest;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.SnapshotRequest;
import io.kvorum.api.etcdserverpb.SnapshotResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * {@code kvorum snapshot save FILE --endpoints URL [--user NAME:PASSWORD] [TLS flags]}: what
 * {@code etcdctl snapshot save} does, against kvorum or etcd: the stream goes into
 * {@code FILE.part}, which must end in the SHA-256 of what came before it (checked here too, where
 * etcdctl leaves it to the restore), and is synced and renamed to {@code FILE}. An {@code https}
 * endpoint is reached over TLS with etcdctl's {@code --cacert}, {@code --cert}, {@code --key} and
 * {@code --insecure-skip-tls-verify}; the client certificate and key are read by the TLS plugin
 * (PEM: PKCS#1, PKCS#8 or SEC1 keys, as the member reads its own).
 */
final class SnapshotSave {
    private static final int HASH_SIZE = 32;

    /**
     * etcdctl's TLS flags.
     *
     * @param cacert             {@code --cacert}: the CAs the member's certificate is verified against;
     *                           null for the JDK's
     * @param cert               {@code --cert}: this client's certificate, or null
     * @param key                {@code --key}: its private key, or null
     * @param insecureSkipVerify {@code --insecure-skip-tls-verify}: accept any server certificate
     */
    record Tls(Path cacert, Path cert, Path key, boolean insecureSkipVerify) {
        static final Tls NONE = new Tls(null, null, null, false);
    }

    private SnapshotSave() {
    }

    static void save(URI endpoint, String user, Tls tls, Path file, List<Path> pluginFolders) throws IOException {
        boolean https = "https".equals(endpoint.getScheme());
        if (!(https || "http".equals(endpoint.getScheme())) || endpoint.getHost() == null || endpoint.getPort() < 0) {
            throw new IOException("--endpoints: expected http://host:port or https://host:port, got " + endpoint);
        }
        TlsMaterial clientCert = null;
        ManagedChannel channel;
        try {
            NettyChannelBuilder builder = NettyChannelBuilder.forAddress(
                    new InetSocketAddress(endpoint.getHost(), endpoint.getPort())).maxInboundMessageSize(4 << 20);
            if (https) {
                SslContextBuilder ssl = GrpcSslContexts.forClient();
                if (tls.insecureSkipVerify()) {
                    ssl.trustManager(InsecureTrustManagerFactory.INSTANCE);
                } else if (tls.cacert() != null) {
                    ssl.trustManager(tls.cacert().toFile());
                }
                if (tls.cert() != null) {
                    clientCert = clientCertificate(tls, pluginFolders);
                    ssl.keyManager(clientCert.keyManager());
                }
                builder.sslContext(ssl.build());
            } else {
                builder.usePlaintext();
            }
            channel = builder.build();
        } catch (IOException | RuntimeException e) {
            if (clientCert != null) {
                clientCert.close();
            }
            throw e instanceof IOException io ? io : new IOException("TLS: " + e.getMessage(), e);
        }
        Path part = file.resolveSibling(file.getFileName() + ".part");
        try {
            MaintenanceGrpc.MaintenanceBlockingStub maintenance = MaintenanceGrpc.newBlockingStub(channel);
            if (!user.isEmpty()) {
                maintenance = maintenance.withCallCredentials(token(channel, user));
            }
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            byte[] last = new byte[0];
            long size = 0;
            try (OutputStream out = Files.newOutputStream(part)) {
                Iterator<SnapshotResponse> stream = maintenance.snapshot(SnapshotRequest.getDefaultInstance());
                while (stream.hasNext()) {
                    byte[] blob = stream.next().getBlob().toByteArray();
                    out.write(blob);
                    // all but the last 32 bytes are the database: hash them as they go by
                    byte[] joined = concat(last, blob);
                    int keep = Math.min(HASH_SIZE, joined.length);
                    sha256.update(joined, 0, joined.length - keep);
                    last = Arrays.copyOfRange(joined, joined.length - keep, joined.length);
                    size += blob.length;
                }
            }
            if (size % 512 != HASH_SIZE) {
                throw new IOException("sha256 checksum not found [bytes: " + size + "]");
            }
            if (!Arrays.equals(sha256.digest(), last)) {
                throw new IOException("the snapshot's sha256 does not match its data");
            }
            try (FileChannel sync = FileChannel.open(part, StandardOpenOption.WRITE)) {
                sync.force(true);
            }
            Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (StatusRuntimeException e) {
            String description = e.getStatus().getDescription() != null ? e.getStatus().getDescription()
                    : e.getStatus().getCode().toString();
            // the innermost cause says why (a TLS handshake's is several wrappers deep)
            Throwable cause = e.getStatus().getCause();
            while (cause != null && cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            throw new IOException(cause != null && cause.getMessage() != null
                    ? description + ": " + cause.getMessage() : description, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            Files.deleteIfExists(part);
            if (clientCert != null) {
                clientCert.close();
            }
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The client certificate and key, read by the TLS plugin as a member reads its own. */
    private static TlsMaterial clientCertificate(Tls tls, List<Path> pluginFolders) throws IOException {
        TlsProvider provider;
        try {
            provider = (TlsProvider) PluginCatalog.load(pluginFolders).find(PluginKind.TLS, ServerConfig.DEFAULT_TLS)
                    .provider();
        } catch (PluginLoadException e) {
            throw new IOException(e.getMessage(), e);
        }
        TlsSettings settings = new TlsSettings(Optional.of(tls.cert()), Optional.of(tls.key()), Optional.empty(), false,
                Optional.empty(), false, TlsSettings.DEFAULT_SELF_SIGNED_CERT_VALIDITY_YEARS, List.of(), List.of(),
                List.of(), List.of(), TlsSettings.DEFAULT_PROTOCOLS);
        try {
            return provider.open(new TlsContext(TlsSide.CLIENT, settings, tls.cert().toAbsolutePath().getParent(),
                    PluginOptions.of(Map.of())));
        } catch (IOException e) {
            // the plugin names the member's flags; these are etcdctl's
            throw new IOException(e.getMessage().replace(TlsSide.CLIENT.certFileFlag(), "--cert")
                    .replace(TlsSide.CLIENT.keyFileFlag(), "--key"), e);
        }
    }

    /** etcd's token for {@code name:password}, sent as the {@code token} metadata. */
    private static CallCredentials token(ManagedChannel channel, String user) throws IOException {
        int colon = user.indexOf(':');
        if (colon <= 0) {
            throw new IOException("--user: expected name:password");
        }
        String token = AuthGrpc.newBlockingStub(channel).authenticate(AuthenticateRequest.newBuilder()
                .setName(user.substring(0, colon)).setPassword(user.substring(colon + 1)).build()).getToken();
        Metadata metadata = new Metadata();
        metadata.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
                applier.apply(metadata);
            }
        };
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }
}
