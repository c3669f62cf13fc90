package io.kvorum.server.mvcc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RevisionTest {

    @Test
    void recordKeyIsMainUnderscoreSubBigEndianInSeventeenBytes() {
        byte[] key = new Revision(0x0102, 3).toKey(false);

        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 1, 2, '_', 0, 0, 0, 0, 0, 0, 0, 3}, key);
        assertEquals(new Revision(0x0102, 3), Revision.fromKey(key));
        assertFalse(Revision.isTombstoneKey(key));
    }

    @Test
    void tombstoneKeyHasATrailingT() {
        byte[] key = new Revision(5, 1).toKey(true);

        assertEquals(18, key.length);
        assertEquals('t', key[17]);
        assertTrue(Revision.isTombstoneKey(key));
        assertEquals(new Revision(5, 1), Revision.fromKey(key));
    }

    @Test
    void recordKeysSortByRevisionAsUnsignedBytes() {
        byte[] small = new Revision(255, 7).toKey(true);
        byte[] larger = new Revision(256, 0).toKey(false);
        byte[] largest = new Revision(256, 1).toKey(false);

        assertTrue(Arrays.compareUnsigned(small, larger) < 0);
        assertTrue(Arrays.compareUnsigned(larger, largest) < 0);
        assertTrue(Arrays.compareUnsigned(new Revision(256, 0).toKey(true), largest) < 0);
    }
}
