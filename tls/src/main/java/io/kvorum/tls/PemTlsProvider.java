package io.kvorum.tls;

import io.kvorum.spi.tls.TlsContext;
import io.kvorum.spi.tls.TlsMaterial;
import io.kvorum.spi.tls.TlsProvider;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/**
 * {@code --tls pem}: certificates, keys and CA bundles from PEM files (keys in PKCS#1, PKCS#8 or
 * SEC1; RSA, EC, Ed25519), CRLs in PEM or DER, or a self-signed certificate for auto-TLS. The
 * files are looked at every {@value #RELOAD_INTERVAL_OPTION} and reloaded when they change.
 */
public final class PemTlsProvider implements TlsProvider {
    static final String RELOAD_INTERVAL_OPTION = "reload-interval-ms";
    static final long DEFAULT_RELOAD_INTERVAL_MS = 1000;

    @Override
    public String name() {
        return "pem";
    }

    @Override
    public String description() {
        return "PEM certificates, keys, CA bundles and CRLs (or auto-TLS), reloaded when the files change";
    }

    @Override
    public Map<String, String> options() {
        return Map.of(RELOAD_INTERVAL_OPTION, "How often to look for changed TLS files, in milliseconds (default "
                + DEFAULT_RELOAD_INTERVAL_MS + ")");
    }

    @Override
    public TlsMaterial open(TlsContext context) throws IOException {
        long interval = context.options().getLong(RELOAD_INTERVAL_OPTION, DEFAULT_RELOAD_INTERVAL_MS);
        if (interval < 1) {
            throw new IllegalArgumentException("option " + RELOAD_INTERVAL_OPTION + " must be positive, got " + interval);
        }
        return PemTlsMaterial.open(context.side(), context.settings(), context.fixturesDir(), Duration.ofMillis(interval));
    }
}
