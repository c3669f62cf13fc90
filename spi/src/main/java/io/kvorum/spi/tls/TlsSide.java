package io.kvorum.spi.tls;

/**
 * Which listener a TLS configuration is for, with etcd's flag names for that side, so that a
 * provider's messages name the flag the user wrote.
 */
public enum TlsSide {
    CLIENT("--cert-file", "--key-file", "--trusted-ca-file", "--client-crl-file", "--auto-tls"),
    PEER("--peer-cert-file", "--peer-key-file", "--peer-trusted-ca-file", "--peer-crl-file", "--peer-auto-tls");

    private final String certFileFlag;
    private final String keyFileFlag;
    private final String trustedCaFileFlag;
    private final String crlFileFlag;
    private final String autoTlsFlag;

    TlsSide(String certFileFlag, String keyFileFlag, String trustedCaFileFlag, String crlFileFlag, String autoTlsFlag) {
        this.certFileFlag = certFileFlag;
        this.keyFileFlag = keyFileFlag;
        this.trustedCaFileFlag = trustedCaFileFlag;
        this.crlFileFlag = crlFileFlag;
        this.autoTlsFlag = autoTlsFlag;
    }

    public String certFileFlag() {
        return certFileFlag;
    }

    public String keyFileFlag() {
        return keyFileFlag;
    }

    public String trustedCaFileFlag() {
        return trustedCaFileFlag;
    }

    public String crlFileFlag() {
        return crlFileFlag;
    }

    public String autoTlsFlag() {
        return autoTlsFlag;
    }

    /** {@code client} or {@code peer}: the folder name under the data directory's {@code fixtures}, as etcd's. */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
