/**
 * The TLS provider contract: from a member's certificate, key, CA and CRL settings (client or peer
 * side) build the JDK key and trust managers its listeners and peer channels use, and keep them
 * current as the files change. Start with {@link io.kvorum.spi.tls.TlsProvider}.
 */
package io.kvorum.spi.tls;
