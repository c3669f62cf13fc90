package io.kvorum.it.auth;

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

/**
 * A JWT signing key pair made for one test, written as PEM files ({@code PRIVATE KEY} in PKCS#8,
 * {@code PUBLIC KEY}), never checked in; and the {@code --auth-token} values that use it.
 *
 * @param privateKey the private key's file
 * @param publicKey  the public key's file
 * @param method     etcd's sign-method for it
 */
public record JwtKeys(Path privateKey, Path publicKey, String method) {

    /** An RSA 2048 pair for {@code RS256} (or another RS/PS method). */
    public static JwtKeys rsa(Path dir, String method) {
        return write(dir, method, generate("RSA", null));
    }

    /** A P-256 pair for {@code ES256}. */
    public static JwtKeys ec256(Path dir) {
        return write(dir, "ES256", generate("EC", "secp256r1"));
    }

    /** {@code jwt,pub-key=…,priv-key=…,sign-method=…} plus {@code extra} options, e.g. {@code ttl=1s}. */
    public String authToken(String... extra) {
        return "jwt,pub-key=" + publicKey + ",priv-key=" + privateKey + ",sign-method=" + method
                + (extra.length == 0 ? "" : "," + String.join(",", extra));
    }

    /** A verify-only member's value: the public key alone. */
    public String verifyOnlyAuthToken() {
        return "jwt,pub-key=" + publicKey + ",sign-method=" + method;
    }

    private static KeyPair generate(String algorithm, String curve) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            if (curve == null) {
                g.initialize(2048);
            } else {
                g.initialize(new ECGenParameterSpec(curve));
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JwtKeys write(Path dir, String method, KeyPair pair) {
        try {
            Files.createDirectories(dir);
            String prefix = method.toLowerCase() + "-" + System.nanoTime();
            Path priv = Files.writeString(dir.resolve(prefix + ".key"), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            Path pub = Files.writeString(dir.resolve(prefix + ".pub"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
            return new JwtKeys(priv.toAbsolutePath(), pub.toAbsolutePath(), method);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
