/**
 * The {@code pem} TLS provider. Start with {@link io.kvorum.tls.PemTlsProvider}; {@link
 * io.kvorum.tls.PemFiles} reads the files, {@link io.kvorum.tls.ReloadingKeyManager} and {@link
 * io.kvorum.tls.ReloadingTrustManager} answer handshakes from the current material, and {@link
 * io.kvorum.tls.FileWatcher} swaps it when the files change.
 */
package io.kvorum.tls;
