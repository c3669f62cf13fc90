package io.kvorum.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager with one certificate and key at a time, swapped by {@link #update} when the files
 * are reloaded. Each generation has an alias of its own: TLS stacks that cache key material by
 * alias (Netty's OpenSSL engine does) then pick up the new material at the next handshake, while
 * a handshake under way still finds the previous generation by its alias.
 *
 * <p>Thread-safe: handshakes read {@link #current} (volatile) on any thread; the watcher thread
 * alone calls {@link #update}.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {

    private record Generation(String alias, X509Certificate[] chain, PrivateKey key, String keyType) {
    }

    private final String aliasPrefix;
    private volatile Generation current;
    private volatile Generation previous;
    private int generations;

    ReloadingKeyManager(String aliasPrefix, Credentials credentials) {
        this.aliasPrefix = aliasPrefix;
        update(credentials);
    }

    /** Serves {@code credentials} from the next handshake on. Called by one thread at a time. */
    void update(Credentials credentials) {
        Generation next = new Generation(aliasPrefix + "-" + (++generations),
                credentials.chain().toArray(X509Certificate[]::new), credentials.key(),
                Credentials.keyType(credentials.key()));
        previous = current;
        current = next;
    }

    /** The certificate served now (the leaf), for logs and tests. */
    X509Certificate certificate() {
        return current.chain()[0];
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        String alias = choose(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return chooseAny(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return chooseAny(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = choose(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return choose(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Generation g = byAlias(alias);
        return g == null ? null : g.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Generation g = byAlias(alias);
        return g == null ? null : g.key();
    }

    private String chooseAny(String[] keyTypes) {
        if (keyTypes == null) {
            return current.alias();
        }
        for (String keyType : keyTypes) {
            String alias = choose(keyType);
            if (alias != null) {
                return alias;
            }
        }
        return null;
    }

    /**
     * The current alias when its key suits {@code keyType}: TLS stacks ask by the key's algorithm
     * ({@code RSA}, {@code EC}, {@code EdDSA}), or for TLS 1.2 by key and signer ({@code EC_EC}).
     */
    private String choose(String keyType) {
        Generation g = current;
        if (keyType == null || keyType.equals(g.keyType()) || keyType.startsWith(g.keyType() + "_")
                || (g.keyType().equals("EdDSA") && keyType.startsWith("Ed"))) {
            return g.alias();
        }
        return null;
    }

    private Generation byAlias(String alias) {
        Generation c = current;
        if (c.alias().equals(alias)) {
            return c;
        }
        Generation p = previous;
        return p != null && p.alias().equals(alias) ? p : null;
    }
}
