package io.kvorum.server.mvcc;

import static io.kvorum.server.mvcc.TestApply.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The index rebuilt at open: the same keys, histories and order as one built a key at a time. */
class TreeIndexBuilderTest {

    @Test
    void recordsOfOneKeyArrivingApartShareOneIndexFoundByAnEqualKey() {
        TreeIndexBuilder building = new TreeIndexBuilder();
        building.getOrCreate(bytes("a")).append(new Revision(2, 0), false, 2, 1);
        building.getOrCreate(bytes("b")).append(new Revision(3, 0), false, 3, 1);
        building.getOrCreate(bytes("a")).append(new Revision(4, 0), true, 0, 0);
        building.getOrCreate(bytes("a")).append(new Revision(5, 0), false, 5, 1);

        TreeIndex index = building.build();

        assertEquals(2, index.size());
        KeyIndex a = index.get(bytes("a"));
        assertEquals(new Revision(2, 0), a.liveAt(3));
        assertNull(a.liveAt(4));
        assertEquals(new Revision(5, 0), a.liveAt(5));
    }

    @Test
    void keysInRevisionOrderComeOutInUnsignedByteOrderAndTheIndexTakesNewKeys() {
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            keys.add(new byte[] {(byte) (i >> 8), (byte) i, (byte) 0xF0});
        }
        List<byte[]> arrival = new ArrayList<>(keys);
        Collections.shuffle(arrival, new Random(7));
        TreeIndexBuilder building = new TreeIndexBuilder();
        long main = 2;
        for (byte[] key : arrival) {
            building.getOrCreate(key.clone()).append(new Revision(main++, 0), false, main, 1);
        }

        TreeIndex index = building.build();

        assertEquals(keys.size(), index.size());
        int i = 0;
        for (KeyIndex k : index.range(new byte[] {0}, new byte[] {0})) {
            assertArrayEquals(keys.get(i++), k.key());
        }
        assertEquals(keys.size(), i);
        assertEquals(2, index.range(keys.get(10), keys.get(12)).size());
        KeyIndex added = index.getOrCreate(bytes("\u00ff new"));
        assertSame(added, index.get(bytes("\u00ff new")));
        assertEquals(keys.size() + 1, index.size());
    }

    @Test
    void theExpectedKeyCountIsOnlyAHint() {
        // the applied index sizes the map: far more keys than it says, or far fewer, build the same index
        for (long hint : new long[] {0, 3, 1L << 40}) {
            TreeIndexBuilder building = new TreeIndexBuilder(hint);
            for (int i = 0; i < 100; i++) {
                building.getOrCreate(bytes("k" + (i % 40))).append(new Revision(2 + i, 0), false, 2 + i % 40, 1 + i / 40);
            }
            TreeIndex index = building.build();
            assertEquals(40, index.size(), "hint " + hint);
            assertEquals(new Revision(81, 0), index.get(bytes("k39")).liveAt(200), "hint " + hint);
            assertEquals(new Revision(41, 0), index.get(bytes("k39")).liveAt(80), "hint " + hint);
        }
    }
}
