package io.kvorum.spi.tls;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One side's TLS configuration, in etcd's terms (client side: {@code --cert-file}, …; peer side:
 * {@code --peer-cert-file}, …).
 *
 * @param certFile                 the certificate chain (leaf first), PEM
 * @param keyFile                  the certificate's private key, PEM (PKCS#1, PKCS#8 or SEC1)
 * @param trustedCaFile            the CA bundle remote certificates are verified against, PEM; one or more CAs
 * @param clientCertAuth           whether a connecting party must present a certificate signed by a trusted CA
 * @param crlFile                  certificates revoked by serial number, PEM or DER
 * @param autoTls                  create a self-signed certificate when none is given
 * @param selfSignedCertValidityYears validity of an auto-TLS certificate, in years
 * @param autoTlsHosts             the host names and addresses an auto-TLS certificate names
 * @param allowedCommonNames       when not empty, a connecting party's certificate must have one of these subject CNs
 * @param allowedHostnames         when not empty, a connecting party's certificate must be valid for one of these
 *                                 host names (DNS or IP subject alternative names)
 * @param cipherSuites             the cipher suites to offer, JDK (IANA) names; empty for the JDK's defaults
 * @param protocols                the TLS versions to offer, JDK names ({@code TLSv1.2}, {@code TLSv1.3})
 */
public record TlsSettings(
        Optional<Path> certFile,
        Optional<Path> keyFile,
        Optional<Path> trustedCaFile,
        boolean clientCertAuth,
        Optional<Path> crlFile,
        boolean autoTls,
        int selfSignedCertValidityYears,
        List<String> autoTlsHosts,
        List<String> allowedCommonNames,
        List<String> allowedHostnames,
        List<String> cipherSuites,
        List<String> protocols) {

    /** etcd's {@code --self-signed-cert-validity} default. */
    public static final int DEFAULT_SELF_SIGNED_CERT_VALIDITY_YEARS = 1;

    /** TLS 1.2 and 1.3, as etcd 3.5 offers by default. */
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.2", "TLSv1.3");

    public TlsSettings {
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
        Objects.requireNonNull(trustedCaFile, "trustedCaFile");
        Objects.requireNonNull(crlFile, "crlFile");
        autoTlsHosts = List.copyOf(autoTlsHosts);
        allowedCommonNames = List.copyOf(allowedCommonNames);
        allowedHostnames = List.copyOf(allowedHostnames);
        cipherSuites = List.copyOf(cipherSuites);
        protocols = List.copyOf(protocols);
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("at least one TLS version is needed");
        }
        if (selfSignedCertValidityYears < 1) {
            throw new IllegalArgumentException("--self-signed-cert-validity must be positive, got "
                    + selfSignedCertValidityYears);
        }
    }

    /** No TLS: no files, no auto-TLS; the defaults for everything else. */
    public static TlsSettings none() {
        return new TlsSettings(Optional.empty(), Optional.empty(), Optional.empty(), false, Optional.empty(), false,
                DEFAULT_SELF_SIGNED_CERT_VALIDITY_YEARS, List.of(), List.of(), List.of(), List.of(), DEFAULT_PROTOCOLS);
    }

    /** These settings, with {@code hosts} for an auto-TLS certificate. */
    public TlsSettings withAutoTlsHosts(List<String> hosts) {
        return new TlsSettings(certFile, keyFile, trustedCaFile, clientCertAuth, crlFile, autoTls,
                selfSignedCertValidityYears, hosts, allowedCommonNames, allowedHostnames, cipherSuites, protocols);
    }

    /** Whether there is a certificate to serve: files given, or auto-TLS on (etcd's {@code TLSInfo.Empty()} negated). */
    public boolean hasServerCertificate() {
        return (certFile.isPresent() && keyFile.isPresent()) || autoTls;
    }
}
