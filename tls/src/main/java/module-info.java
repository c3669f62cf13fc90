/**
 * The {@code pem} TLS provider: certificates, keys, CA bundles and CRLs from PEM files (or a
 * self-signed certificate for auto-TLS), kept current as the files change. Reached only through
 * {@link io.kvorum.spi.tls.TlsProvider}, so nothing is exported.
 */
module io.kvorum.tls {
    requires io.kvorum.spi;
    requires org.bouncycastle.provider;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.util;
    requires java.naming;

    provides io.kvorum.spi.tls.TlsProvider with io.kvorum.tls.PemTlsProvider;
}
