package io.kvorum.server;

import com.linecorp.armeria.server.ServerBuilder;
import io.kvorum.spi.tls.TlsMaterial;
import io.kvorum.spi.tls.TlsSettings;
import io.netty.handler.ssl.ClientAuth;
import java.security.KeyStore;
import java.security.Provider;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.KeyManagerFactorySpi;
import javax.net.ssl.ManagerFactoryParameters;

/**
 * TLS on the client port's {@code https://} listeners, from the TLS provider's material: its key
 * and trust managers are installed once and answer every handshake from the files current at
 * that moment, so rotated files are served without a restart and open connections stay up.
 * {@code http://} listeners of the same member stay plaintext, each listener its own scheme.
 */
final class ClientPortTls {
    private ClientPortTls() {
    }

    static void configure(ServerBuilder sb, TlsMaterial material) {
        TlsSettings settings = material.settings();
        sb.tls(new FixedKeyManagerFactory(material.keyManager()));
        if (!settings.cipherSuites().isEmpty()) {
            // --cipher-suites is the user's choice, as etcd takes it: Armeria would otherwise insist on
            // HTTP/2's mandatory suite (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) being among them.
            sb.tlsAllowUnsafeCiphers(true);
        }
        sb.tlsCustomizer(ssl -> {
            material.trustManager().ifPresent(ssl::trustManager);
            ssl.clientAuth(material.clientCertRequired() ? ClientAuth.REQUIRE : ClientAuth.NONE);
            ssl.protocols(settings.protocols());
            if (!settings.cipherSuites().isEmpty()) {
                ssl.ciphers(settings.cipherSuites());
            }
        });
    }

    /** A key manager factory that hands out one key manager: the provider's, which reloads by itself. */
    private static final class FixedKeyManagerFactory extends KeyManagerFactory {
        private static final Provider PROVIDER = new Provider("kvorum-tls", "1.0", "the TLS provider's key manager") {
            private static final long serialVersionUID = 1L;
        };

        FixedKeyManagerFactory(KeyManager keyManager) {
            super(new KeyManagerFactorySpi() {
                @Override
                protected void engineInit(KeyStore ks, char[] password) {
                }

                @Override
                protected void engineInit(ManagerFactoryParameters spec) {
                }

                @Override
                protected KeyManager[] engineGetKeyManagers() {
                    return new KeyManager[] {keyManager};
                }
            }, PROVIDER, "kvorum");
        }
    }
}
