package io.kvorum.spi.tls;

import java.util.Optional;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A handle on one side's current certificates and keys. The managers it returns are the same
 * objects for its whole life and answer each handshake from the material current at that moment,
 * so a TLS context built once from them picks up reloaded files without a restart, and connections
 * already open are left alone.
 *
 * <p>Thread-safe: handshakes on any thread call the managers while the provider reloads.
 */
public interface TlsMaterial extends AutoCloseable {

    /** The local certificate chain and key, for serving (and for dialing, when the other side asks for one). */
    X509ExtendedKeyManager keyManager();

    /**
     * Verifies the other party's chain against the trusted CAs, the CRL and the allowed names;
     * empty when no CA is configured (nothing to verify against: etcd then asks for no client
     * certificate).
     */
    Optional<X509ExtendedTrustManager> trustManager();

    /** The settings it was opened with: the cipher suites and TLS versions to offer come from there. */
    TlsSettings settings();

    /** Whether a connecting party must present a certificate ({@code --client-cert-auth}). */
    boolean clientCertRequired();

    /** Stops watching the files. */
    @Override
    void close();
}
