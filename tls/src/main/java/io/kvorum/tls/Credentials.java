package io.kvorum.tls;

import io.kvorum.spi.tls.TlsConfigException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;

/**
 * A certificate chain (leaf first) and the leaf's private key, checked to belong together and to
 * be valid now.
 */
record Credentials(List<X509Certificate> chain, PrivateKey key) {

    Credentials {
        chain = List.copyOf(chain);
    }

    /**
     * Reads and checks the pair.
     *
     * @throws TlsConfigException naming the flag and the file: unreadable, not PEM, the key not
     *                            matching the certificate, the certificate expired or not yet valid
     */
    static Credentials load(Path certFile, String certFlag, Path keyFile, String keyFlag, Date now)
            throws TlsConfigException {
        List<X509Certificate> chain = PemFiles.certificates(certFile, certFlag);
        PrivateKey key = PemFiles.privateKey(keyFile, keyFlag);
        checkValid(chain.get(0), certFile, certFlag, now);
        if (!matches(key, chain.get(0).getPublicKey())) {
            throw new TlsConfigException(keyFlag + " " + keyFile + ": the private key does not match the certificate in "
                    + certFlag + " " + certFile);
        }
        return new Credentials(chain, key);
    }

    /** Fails on a certificate outside its validity period at {@code now}. */
    static void checkValid(X509Certificate certificate, Path file, String flag, Date now) throws TlsConfigException {
        try {
            certificate.checkValidity(now);
        } catch (CertificateExpiredException e) {
            throw new TlsConfigException(flag + " " + file + ": the certificate " + certificate.getSubjectX500Principal()
                    + " expired on " + certificate.getNotAfter().toInstant(), e);
        } catch (CertificateNotYetValidException e) {
            throw new TlsConfigException(flag + " " + file + ": the certificate " + certificate.getSubjectX500Principal()
                    + " is not valid before " + certificate.getNotBefore().toInstant(), e);
        }
    }

    /** The algorithm family as TLS key managers name key types: {@code RSA}, {@code EC} or {@code EdDSA}. */
    static String keyType(PrivateKey key) {
        return switch (key.getAlgorithm()) {
            case "Ed25519", "Ed448", "EdDSA" -> "EdDSA";
            case "ECDSA" -> "EC";
            default -> key.getAlgorithm();
        };
    }

    /** Whether {@code key} is the private half of {@code publicKey}: a signature by one verifies with the other. */
    private static boolean matches(PrivateKey key, PublicKey publicKey) throws TlsConfigException {
        String algorithm = switch (keyType(key)) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA" -> key.getAlgorithm().equals("EdDSA") ? "EdDSA" : key.getAlgorithm();
            default -> throw new TlsConfigException("unsupported private key algorithm " + key.getAlgorithm()
                    + " (RSA, EC and Ed25519 are supported)");
        };
        if (!keyType(key).equals(publicKeyType(publicKey))) {
            return false;
        }
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String publicKeyType(PublicKey key) {
        return switch (key.getAlgorithm()) {
            case "Ed25519", "Ed448", "EdDSA" -> "EdDSA";
            case "ECDSA" -> "EC";
            default -> key.getAlgorithm();
        };
    }
}
