package io.kvorum.server.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Password hashes are bcrypt's {@code $2a$} text, readable by Go's bcrypt (and so by etcd) and back. */
class PasswordsTest {

    @Test
    void aHashIsGoBcryptTextOfTheGivenCost() {
        String hash = new String(Passwords.hash("secret", 4), StandardCharsets.US_ASCII);
        assertTrue(hash.matches("\\$2a\\$04\\$[./A-Za-z0-9]{53}"), hash);
        assertTrue(Passwords.matches(hash.getBytes(StandardCharsets.US_ASCII), "secret"));
        assertFalse(Passwords.matches(hash.getBytes(StandardCharsets.US_ASCII), "Secret"));
    }

    @Test
    void aHashMadeByGoMatchesItsPassword() {
        // from golang.org/x/crypto/bcrypt's own tests
        byte[] go = "$2a$10$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcga".getBytes(StandardCharsets.US_ASCII);
        assertTrue(Passwords.matches(go, "allmine"));
        assertFalse(Passwords.matches(go, "allyours"));
    }

    @Test
    void somethingThatIsNoHashMatchesNothing() {
        assertFalse(Passwords.matches(new byte[0], ""));
        assertFalse(Passwords.matches("plain".getBytes(StandardCharsets.US_ASCII), "plain"));
    }
}
