package io.kvorum.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * bcrypt password hashes in the {@code $2a$} form etcd's Go code writes and reads, so a user
 * record moves between etcd and kvorum unchanged. Hashing and checking cost real time (about
 * 70 ms at cost 10): callers run them on request threads, never on the apply loop.
 */
public final class Passwords {
    /** Go's {@code bcrypt.MinCost} and {@code MaxCost}; etcd's default is 10. */
    public static final int MIN_COST = 4;
    public static final int MAX_COST = 31;
    public static final int DEFAULT_COST = 10;

    private static final SecureRandom RANDOM = new SecureRandom();

    private Passwords() {
    }

    /** The bcrypt hash of {@code password}, as the bytes of its {@code $2a$…} text. */
    public static byte[] hash(String password, int cost) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return OpenBSDBCrypt.generate("2a", password.getBytes(StandardCharsets.UTF_8), salt, cost)
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether {@code password} matches {@code hash}; a hash that is not bcrypt matches nothing. */
    public static boolean matches(byte[] hash, String password) {
        String text = new String(hash, StandardCharsets.US_ASCII);
        // bcrypt's text is always 60 characters, "$2?$cc$" and 53 of salt and hash
        if (text.length() != 60 || !text.startsWith("$2")) {
            return false;
        }
        try {
            return OpenBSDBCrypt.checkPassword(text, password.getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return false; // a version or cost the library does not take
        }
    }
}
