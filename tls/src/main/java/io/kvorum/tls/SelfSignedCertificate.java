package io.kvorum.tls;

import io.kvorum.spi.tls.TlsConfigException;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Auto-TLS, as etcd's {@code SelfCert}: an EC P-256 key and a self-signed certificate for the
 * member's listen hosts, written as {@code cert.pem} and {@code key.pem} under the fixtures folder.
 * A pair already there and still valid is used again, so clients that pinned it keep working
 * across restarts.
 */
final class SelfSignedCertificate {
    static final String CERT_FILE = "cert.pem";
    static final String KEY_FILE = "key.pem";

    private SelfSignedCertificate() {
    }

    /** The pair in {@code dir}, created when missing or expired. */
    static Credentials ensure(Path dir, List<String> hosts, int validityYears, String flag) throws TlsConfigException {
        Path cert = dir.resolve(CERT_FILE);
        Path key = dir.resolve(KEY_FILE);
        Date now = new Date();
        if (Files.exists(cert) && Files.exists(key)) {
            try {
                return Credentials.load(cert, flag, key, flag, now);
            } catch (TlsConfigException e) {
                // expired or damaged: make a new one below
            }
        }
        try {
            Files.createDirectories(dir);
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            X509Certificate certificate = certificate(pair, hosts, validityYears);
            Files.writeString(cert, pem(certificate), StandardCharsets.US_ASCII);
            Files.deleteIfExists(key);
            Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(key, pem(new JcaPKCS8Generator(pair.getPrivate(), null).generate()), StandardCharsets.US_ASCII);
            return new Credentials(List.of(certificate), pair.getPrivate());
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new TlsConfigException(flag + ": cannot create a self-signed certificate in " + dir + ": "
                    + PemFiles.reason(e), e);
        }
    }

    private static X509Certificate certificate(KeyPair pair, List<String> hosts, int validityYears)
            throws GeneralSecurityException, OperatorCreationException, IOException {
        Instant notBefore = Instant.now().minusSeconds(60);
        Instant notAfter = notBefore.atZone(ZoneOffset.UTC).plusYears(validityYears).toInstant();
        X500Name subject = new X500Name("O=kvorum");
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                new BigInteger(127, new SecureRandom()), Date.from(notBefore), Date.from(notAfter), subject,
                pair.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true,
                new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        builder.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        List<GeneralName> names = new ArrayList<>();
        for (String host : hosts) {
            names.add(isAddress(host) ? new GeneralName(GeneralName.iPAddress, host) : new GeneralName(GeneralName.dNSName, host));
        }
        if (!names.isEmpty()) {
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    }

    private static boolean isAddress(String host) {
        if (!host.contains(":") && !host.chars().allMatch(c -> c == '.' || Character.isDigit(c))) {
            return false;
        }
        try {
            InetAddress.getByName(host);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(o);
        }
        return out.toString();
    }
}
