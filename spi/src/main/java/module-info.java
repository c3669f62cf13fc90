/** The plugin contracts of kvorum. A plugin needs only this module (and its own libraries). */
module io.kvorum.spi {
    exports io.kvorum.spi.plugin;
    exports io.kvorum.spi.backend;
    exports io.kvorum.spi.consensus;
    exports io.kvorum.spi.auth;
    exports io.kvorum.spi.tls;
    exports io.kvorum.spi.metrics;
}
