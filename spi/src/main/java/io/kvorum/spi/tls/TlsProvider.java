package io.kvorum.spi.tls;

import io.kvorum.spi.plugin.PluginProvider;
import java.io.IOException;

/**
 * Found by {@link java.util.ServiceLoader}; selected by {@link #name()} ({@code --tls pem}). Opened
 * once per side (client, peer) that serves TLS.
 */
public interface TlsProvider extends PluginProvider {

    /**
     * Reads (or, for auto-TLS, creates) the side's certificates and keys and starts keeping them
     * current.
     *
     * @throws TlsConfigException naming the flag and the file when the material cannot be used
     *                            (not PEM, key not matching its certificate, expired, unreadable)
     */
    TlsMaterial open(TlsContext context) throws IOException;
}
