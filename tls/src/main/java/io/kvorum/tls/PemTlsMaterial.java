package io.kvorum.tls;

import io.kvorum.spi.tls.TlsConfigException;
import io.kvorum.spi.tls.TlsMaterial;
import io.kvorum.spi.tls.TlsSettings;
import io.kvorum.spi.tls.TlsSide;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * One side's material from PEM files (or auto-TLS), with the managers that serve it and the
 * watcher that reloads it. Everything is read and checked in {@link #open}, so a configuration
 * that cannot work fails the start with a message naming the flag and the file.
 */
final class PemTlsMaterial implements TlsMaterial {
    private static final System.Logger LOG = System.getLogger(PemTlsMaterial.class.getName());

    private final ReloadingKeyManager keyManager;
    private final ReloadingTrustManager trustManager;
    private final TlsSettings settings;
    private final FileWatcher watcher;

    private PemTlsMaterial(ReloadingKeyManager keyManager, ReloadingTrustManager trustManager, TlsSettings settings,
                           FileWatcher watcher) {
        this.keyManager = keyManager;
        this.trustManager = trustManager;
        this.settings = settings;
        this.watcher = watcher;
    }

    static PemTlsMaterial open(TlsSide side, TlsSettings settings, Path fixturesDir, Duration reloadInterval)
            throws TlsConfigException {
        if (settings.certFile().isPresent() != settings.keyFile().isPresent()) {
            throw new TlsConfigException(side.certFileFlag() + " and " + side.keyFileFlag() + " must be given together");
        }
        boolean fromFiles = settings.certFile().isPresent();
        if (!fromFiles && !settings.autoTls()) {
            throw new TlsConfigException("TLS key/cert (" + side.certFileFlag() + ", " + side.keyFileFlag()
                    + ") must be provided, or " + side.autoTlsFlag() + " set");
        }
        if (fromFiles && settings.autoTls()) {
            LOG.log(Level.WARNING, "ignoring " + side.word() + " auto TLS since certs given");
        }
        if (settings.clientCertAuth() && settings.trustedCaFile().isEmpty()) {
            throw new TlsConfigException(clientCertAuthFlag(side) + " needs " + side.trustedCaFileFlag()
                    + " to verify certificates against");
        }
        if (settings.crlFile().isPresent() && settings.trustedCaFile().isEmpty()) {
            throw new TlsConfigException(side.crlFileFlag() + " needs " + side.trustedCaFileFlag());
        }
        Credentials credentials = fromFiles
                ? loadCredentials(side, settings)
                : SelfSignedCertificate.ensure(fixturesDir, settings.autoTlsHosts(),
                        settings.selfSignedCertValidityYears(), side.autoTlsFlag());
        ReloadingKeyManager keyManager = new ReloadingKeyManager("kvorum-" + side.word(), credentials);
        ReloadingTrustManager trustManager = settings.trustedCaFile().isEmpty() ? null
                : new ReloadingTrustManager(loadAnchors(side, settings), settings.allowedCommonNames(),
                        settings.allowedHostnames());

        List<Path> watched = new ArrayList<>();
        if (fromFiles) {
            watched.add(settings.certFile().get());
            watched.add(settings.keyFile().get());
        }
        settings.trustedCaFile().ifPresent(watched::add);
        settings.crlFile().ifPresent(watched::add);
        FileWatcher watcher = watched.isEmpty() ? null : new FileWatcher(side.word(), watched, reloadInterval, () -> {
            // Both read before either is swapped in: a half-rotated set changes nothing.
            Credentials nextCredentials = fromFiles ? loadCredentials(side, settings) : null;
            TrustAnchors nextAnchors = trustManager != null ? loadAnchors(side, settings) : null;
            if (nextCredentials != null) {
                keyManager.update(nextCredentials);
            }
            if (nextAnchors != null) {
                trustManager.update(nextAnchors);
            }
        });
        LOG.log(Level.INFO, side.word() + " TLS: certificate " + keyManager.certificate().getSubjectX500Principal()
                + (trustManager == null ? "" : ", CAs from " + settings.trustedCaFile().get())
                + (settings.clientCertAuth() ? ", client certificates required" : ""));
        return new PemTlsMaterial(keyManager, trustManager, settings, watcher);
    }

    private static Credentials loadCredentials(TlsSide side, TlsSettings settings) throws TlsConfigException {
        return Credentials.load(settings.certFile().get(), side.certFileFlag(), settings.keyFile().get(),
                side.keyFileFlag(), new Date());
    }

    private static TrustAnchors loadAnchors(TlsSide side, TlsSettings settings) throws TlsConfigException {
        return TrustAnchors.load(settings.trustedCaFile().get(), side.trustedCaFileFlag(),
                settings.crlFile().orElse(null), side.crlFileFlag(), new Date());
    }

    private static String clientCertAuthFlag(TlsSide side) {
        return side == TlsSide.CLIENT ? "--client-cert-auth" : "--peer-client-cert-auth";
    }

    @Override
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    @Override
    public Optional<X509ExtendedTrustManager> trustManager() {
        return Optional.ofNullable(trustManager);
    }

    @Override
    public TlsSettings settings() {
        return settings;
    }

    @Override
    public boolean clientCertRequired() {
        return settings.clientCertAuth();
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
    }
}
