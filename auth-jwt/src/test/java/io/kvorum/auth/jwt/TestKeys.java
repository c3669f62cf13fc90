package io.kvorum.auth.jwt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/** Key pairs made for one test and written as PEM files, never checked in. */
final class TestKeys {
    private TestKeys() {
    }

    static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair ec(String curve) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(curve));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    static Path write(Path dir, String name, String text) {
        try {
            return Files.writeString(dir.resolve(name), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The private key in PKCS#8 ("PRIVATE KEY"), as the JDK encodes it. */
    static Path privatePem(Path dir, String name, KeyPair pair) {
        return write(dir, name, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    }

    static Path publicPem(Path dir, String name, KeyPair pair) {
        return write(dir, name, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
    }

    /** The key inside a PKCS#8 structure: PKCS#1 for RSA, the ECPrivateKey for EC. */
    static byte[] innerKey(byte[] pkcs8) {
        PemKeys.Der.Reader seq = new PemKeys.Der.Reader(pkcs8).sequence();
        seq.skip();
        seq.skip();
        byte[] octets = seq.raw();
        return new PemKeys.Der.Reader(octets).contentOfExplicit();
    }
}
