package io.kvorum.tls;

import io.kvorum.spi.tls.TlsConfigException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads certificates, private keys and CRLs from files, with messages that name the flag and the
 * file. Keys may be PKCS#1 ({@code RSA PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}, with or
 * without an {@code EC PARAMETERS} block before it) or PKCS#8 ({@code PRIVATE KEY}); RSA, EC and
 * Ed25519. Keys are turned into JDK keys by the JDK's own key factories: no security provider is
 * installed.
 */
final class PemFiles {
    private PemFiles() {
    }

    /** Every certificate in {@code file}, in order (a chain leaf first, or a bundle of CAs); at least one. */
    static List<X509Certificate> certificates(Path file, String flag) throws TlsConfigException {
        String text = read(file, flag);
        List<X509Certificate> certificates = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object o; (o = parser.readObject()) != null; ) {
                if (o instanceof X509CertificateHolder holder) {
                    certificates.add(converter.getCertificate(holder));
                }
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            throw new TlsConfigException(flag + " " + file + ": not a PEM certificate file: " + reason(e), e);
        }
        if (certificates.isEmpty()) {
            throw new TlsConfigException(flag + " " + file + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in the file");
        }
        return certificates;
    }

    /** The one private key in {@code file}. */
    static PrivateKey privateKey(Path file, String flag) throws TlsConfigException {
        String text = read(file, flag);
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object o; (o = parser.readObject()) != null; ) {
                if (o instanceof PEMKeyPair pair) {
                    // A SEC1 key may leave out its public half: convert the private part alone.
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new TlsConfigException(flag + " " + file + ": the private key is encrypted;"
                            + " a key without a passphrase is needed");
                }
                // An "EC PARAMETERS" block before a SEC1 key names its curve again: nothing to do.
                if (!(o instanceof ASN1ObjectIdentifier || o instanceof X9ECParameters || o instanceof X509CertificateHolder)) {
                    throw new TlsConfigException(flag + " " + file + ": unexpected PEM block "
                            + o.getClass().getSimpleName() + " where a private key was expected");
                }
            }
        } catch (TlsConfigException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new TlsConfigException(flag + " " + file + ": not a PEM private key file: " + reason(e), e);
        }
        throw new TlsConfigException(flag + " " + file + ": no PEM private key (-----BEGIN ... PRIVATE KEY-----) in the file");
    }

    /** Every CRL in {@code file}, PEM or DER (as etcd reads its CRL file). */
    static List<X509CRL> crls(Path file, String flag) throws TlsConfigException {
        byte[] bytes = bytes(file, flag);
        try {
            List<X509CRL> crls = new ArrayList<>();
            for (var crl : CertificateFactory.getInstance("X.509").generateCRLs(new ByteArrayInputStream(bytes))) {
                crls.add((X509CRL) crl);
            }
            if (crls.isEmpty()) {
                throw new TlsConfigException(flag + " " + file + ": no certificate revocation list in the file");
            }
            return crls;
        } catch (CRLException | CertificateException | RuntimeException e) {
            throw new TlsConfigException(flag + " " + file + ": not a certificate revocation list (PEM or DER): "
                    + reason(e), e);
        }
    }

    private static String read(Path file, String flag) throws TlsConfigException {
        return new String(bytes(file, flag), StandardCharsets.US_ASCII);
    }

    static byte[] bytes(Path file, String flag) throws TlsConfigException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TlsConfigException(flag + " " + file + ": cannot read: " + reason(e), e);
        }
    }

    static String reason(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
