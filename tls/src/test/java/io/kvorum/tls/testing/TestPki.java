package io.kvorum.tls.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made on the spot for tests: CAs, leaves signed by them, CRLs, and PEM files of
 * each in the key formats kvorum reads. Nothing here is ever checked in.
 */
public final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** The key formats of PEM private keys. */
    public enum KeyFormat {
        /** {@code RSA PRIVATE KEY} or {@code EC PRIVATE KEY}: OpenSSL's traditional format. */
        TRADITIONAL,
        /** {@code PRIVATE KEY}. */
        PKCS8
    }

    /** A certificate and its key. */
    public record Issued(X509Certificate certificate, PrivateKey key) {
    }

    private TestPki() {
    }

    public static KeyPair rsa() {
        return generate("RSA", null);
    }

    public static KeyPair ec(String curve) {
        return generate("EC", curve);
    }

    public static KeyPair ed25519() {
        return generate("Ed25519", null);
    }

    /** A self-signed CA called {@code name}, valid for a day. */
    public static Issued ca(String name) {
        KeyPair pair = ec("secp256r1");
        return new Issued(build(name, pair, "CN=" + name, pair.getPrivate(), true, List.of(), Instant.now().minusSeconds(60),
                Instant.now().plus(Duration.ofDays(1))), pair.getPrivate());
    }

    /** A leaf for {@code cn}, valid for 127.0.0.1 and localhost, signed by {@code ca}. */
    public static Issued leaf(Issued ca, String cn, KeyPair pair) {
        return leaf(ca, cn, pair, Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(1)),
                List.of("127.0.0.1", "localhost"));
    }

    public static Issued leaf(Issued ca, String cn, KeyPair pair, Instant notBefore, Instant notAfter, List<String> hosts) {
        String issuer = ca.certificate().getSubjectX500Principal().getName();
        return new Issued(build(cn, pair, issuer, ca.key(), false, hosts, notBefore, notAfter), pair.getPrivate());
    }

    /** A CRL by {@code ca} listing {@code revoked}. */
    public static String crlPem(Issued ca, X509Certificate... revoked) {
        try {
            X509v2CRLBuilder builder = new X509v2CRLBuilder(new X500Name(ca.certificate().getSubjectX500Principal().getName()),
                    Date.from(Instant.now().minusSeconds(60)));
            builder.setNextUpdate(Date.from(Instant.now().plus(Duration.ofDays(1))));
            for (X509Certificate c : revoked) {
                builder.addCRLEntry(c.getSerialNumber(), Date.from(Instant.now().minusSeconds(30)), CRLReason.keyCompromise);
            }
            var crl = new JcaX509CRLConverter().getCRL(builder.build(signer(ca.key())));
            return pem(crl);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String certificatePem(X509Certificate... chain) {
        StringBuilder out = new StringBuilder();
        for (X509Certificate c : chain) {
            out.append(pem(c));
        }
        return out.toString();
    }

    public static String keyPem(PrivateKey key, KeyFormat format) {
        try {
            if (format == KeyFormat.PKCS8) {
                return pem(new JcaPKCS8Generator(key, null).generate());
            }
            if (key.getAlgorithm().equals("EC")) {
                // The JDK's encoding leaves the curve out of the inner SEC1 structure; OpenSSL writes it in.
                PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
                org.bouncycastle.asn1.sec.ECPrivateKey inner =
                        org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
                var params = info.getPrivateKeyAlgorithm().getParameters();
                int bits = ((java.security.interfaces.ECPrivateKey) key).getParams().getOrder().bitLength();
                var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(bits, inner.getKey(), params);
                return pem(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1.getEncoded()));
            }
            return pem(key);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code text} to {@code file} in place (same file, new content), as a rotation does. */
    public static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, text, StandardCharsets.US_ASCII);
            return file;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate build(String cn, KeyPair pair, String issuerDn, PrivateKey issuerKey, boolean ca,
                                         List<String> hosts, Instant notBefore, Instant notAfter) {
        try {
            X500Name subject = new X500Name("CN=" + cn);
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name(issuerDn),
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notBefore), Date.from(notAfter), subject,
                    pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (!ca) {
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                List<GeneralName> names = new ArrayList<>();
                for (String h : hosts) {
                    names.add(h.chars().allMatch(c -> c == '.' || Character.isDigit(c))
                            ? new GeneralName(GeneralName.iPAddress, h) : new GeneralName(GeneralName.dNSName, h));
                }
                if (!names.isEmpty()) {
                    builder.addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(names.toArray(GeneralName[]::new)));
                }
            }
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer(issuerKey)));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static org.bouncycastle.operator.ContentSigner signer(PrivateKey key) throws OperatorCreationException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> "Ed25519";
        };
        return new JcaContentSignerBuilder(algorithm).build(key);
    }

    private static KeyPair generate(String algorithm, String curve) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            if (curve != null) {
                g.initialize(new ECGenParameterSpec(curve));
            } else if (algorithm.equals("RSA")) {
                g.initialize(2048);
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(Object o) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }
}
