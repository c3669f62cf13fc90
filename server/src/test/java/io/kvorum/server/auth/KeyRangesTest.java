package io.kvorum.server.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A user's permissions cover a key or a range as etcd's interval tree decides it. */
class KeyRangesTest {
    private static final byte[] KEY = new byte[0];
    private static final byte[] FROM_KEY = {0};

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aSingleKeyPermissionAllowsThatKeyOnly() {
        KeyRanges r = new KeyRanges.Builder().add(b("k1"), KEY).build();
        assertTrue(r.permits(b("k1"), KEY));
        assertFalse(r.permits(b("k2"), KEY));
        assertFalse(r.permits(b("k"), KEY));
        // the single key as a range [k1, k1\0) is covered; the prefix k1 (up to k2) is not
        assertTrue(r.permits(b("k1"), b("k1\0")));
        assertFalse(r.permits(b("k1"), b("k2")));
    }

    @Test
    void aRangePermissionCoversEveryRangeInsideIt() {
        KeyRanges r = new KeyRanges.Builder().add(b("a"), b("c")).build();
        assertTrue(r.permits(b("a"), KEY));
        assertTrue(r.permits(b("bzzz"), KEY));
        assertFalse(r.permits(b("c"), KEY));
        assertTrue(r.permits(b("a"), b("c")));
        assertTrue(r.permits(b("ab"), b("b")));
        assertFalse(r.permits(b("a"), b("d")));
        assertFalse(r.permits(b("0"), b("b")));
        assertFalse(r.permits(b("a"), FROM_KEY));
    }

    @Test
    void aPrefixPermissionIsTheRangeUpToThePrefixEnd() {
        KeyRanges r = new KeyRanges.Builder().add(b("r/"), Permissions.prefixEnd(b("r/"))).build();
        assertTrue(r.permits(b("r/x"), KEY));
        assertTrue(r.permits(b("r/"), Permissions.prefixEnd(b("r/"))));
        assertTrue(r.permits(b("r/a/"), Permissions.prefixEnd(b("r/a/"))));
        assertFalse(r.permits(b("r"), Permissions.prefixEnd(b("r"))));
        assertFalse(r.permits(b("r"), KEY));
    }

    @Test
    void aFromKeyPermissionCoversEverythingAfterItsKey() {
        KeyRanges r = new KeyRanges.Builder().add(b("z"), FROM_KEY).build();
        assertTrue(r.permits(b("z"), KEY));
        assertTrue(r.permits(b("zzzz"), KEY));
        assertTrue(r.permits(b("z"), FROM_KEY));
        assertTrue(r.permits(b("zz"), FROM_KEY));
        assertTrue(r.permits(b("z1"), b("z9")));
        assertFalse(r.permits(b("y"), KEY));
        assertFalse(r.permits(b("y"), FROM_KEY));
    }

    @Test
    void rangesTogetherCoverARangeOnlyWithoutAGap() {
        KeyRanges adjacent = new KeyRanges.Builder().add(b("a"), b("c")).add(b("c"), b("e")).build();
        assertTrue(adjacent.permits(b("b"), b("d")));
        assertTrue(adjacent.permits(b("a"), b("e")));

        KeyRanges gap = new KeyRanges.Builder().add(b("a"), b("c")).add(b("d"), b("f")).build();
        assertFalse(gap.permits(b("b"), b("e")));
        assertTrue(gap.permits(b("d"), b("e")));

        KeyRanges overlapping = new KeyRanges.Builder().add(b("c"), b("f")).add(b("a"), b("d")).build();
        assertTrue(overlapping.permits(b("a"), b("f")));
    }

    @Test
    void noPermissionsAllowNothing() {
        assertFalse(KeyRanges.EMPTY.permits(b("a"), KEY));
        assertFalse(KeyRanges.EMPTY.permits(b("a"), b("b")));
    }
}
