package io.kvorum.spi.tls;

import io.kvorum.spi.plugin.PluginOptions;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a {@link TlsProvider} builds one side's material from.
 *
 * @param side        client or peer: which flags the settings came from
 * @param settings    that side's certificate, key, CA and CRL settings
 * @param fixturesDir where auto-TLS keeps the certificate it creates ({@code <data-dir>/fixtures/<side>})
 * @param options     the options given to the TLS plugin ({@code --tls-opt})
 */
public record TlsContext(TlsSide side, TlsSettings settings, Path fixturesDir, PluginOptions options) {
    public TlsContext {
        Objects.requireNonNull(side, "side");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(fixturesDir, "fixturesDir");
        Objects.requireNonNull(options, "options");
    }
}
