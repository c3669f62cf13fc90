package io.kvorum.tls;

import io.kvorum.spi.tls.TlsConfigException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The CAs of a bundle (one or more, each valid now), verified through the JDK's PKIX trust
 * manager, and the revoked certificates of the CRL file, if any.
 */
record TrustAnchors(List<X509Certificate> cas, X509ExtendedTrustManager pkix, List<X509CRL> crls) {

    TrustAnchors {
        cas = List.copyOf(cas);
        crls = List.copyOf(crls);
    }

    static TrustAnchors load(Path caFile, String caFlag, Path crlFile, String crlFlag, Date now)
            throws TlsConfigException {
        List<X509Certificate> cas = PemFiles.certificates(caFile, caFlag);
        for (X509Certificate ca : cas) {
            Credentials.checkValid(ca, caFile, caFlag, now);
        }
        List<X509CRL> crls = crlFile == null ? List.of() : PemFiles.crls(crlFile, crlFlag);
        return new TrustAnchors(cas, pkix(cas, caFile, caFlag), crls);
    }

    private static X509ExtendedTrustManager pkix(List<X509Certificate> cas, Path caFile, String caFlag)
            throws TlsConfigException {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new TlsConfigException(caFlag + " " + caFile + ": the JDK offers no X.509 trust manager");
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsConfigException(caFlag + " " + caFile + ": cannot use the CAs: " + PemFiles.reason(e), e);
        }
    }

    /** The revoked certificate of {@code chain}, if the CRLs list one (by issuer and serial number). */
    X509Certificate revoked(X509Certificate[] chain) {
        for (X509Certificate certificate : chain) {
            for (X509CRL crl : crls) {
                if (crl.isRevoked(certificate)) {
                    return certificate;
                }
            }
        }
        return null;
    }
}
