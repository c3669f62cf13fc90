package io.kvorum.server.mvcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyIndexTest {

    /** put@2, put@4, delete@6, put@8.1 (a second generation), put@9 */
    private static KeyIndex twoGenerations() {
        KeyIndex index = new KeyIndex(TestApply.bytes("k"));
        index.append(new Revision(2, 0), false, 1, 1);
        index.append(new Revision(4, 0), false, 1, 1);
        index.append(new Revision(6, 0), true, 0, 0);
        index.append(new Revision(8, 1), false, 1, 1);
        index.append(new Revision(9, 0), false, 1, 1);
        return index;
    }

    private static List<String> dropped(RevisionList list) {
        List<String> revisions = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            byte[] key = list.recordKey(i);
            revisions.add(Revision.fromKey(key) + (Revision.isTombstoneKey(key) ? "t" : ""));
        }
        return revisions;
    }

    @Test
    void readsAtEachRevisionFindTheNewestEntryNotAfterIt() {
        KeyIndex index = twoGenerations();

        assertNull(index.liveAt(1));
        assertEquals(new Revision(2, 0), index.liveAt(3));
        assertEquals(new Revision(4, 0), index.liveAt(5));
        assertNull(index.liveAt(6));
        assertNull(index.liveAt(7));
        assertEquals(new Revision(8, 1), index.liveAt(8));
        assertEquals(new Revision(9, 0), index.liveAt(100));
    }

    @Test
    void newerEntriesDoNotChangeWhatAnOlderRevisionSees() {
        KeyIndex index = twoGenerations();

        index.append(new Revision(10, 0), true, 0, 0);
        index.append(new Revision(11, 0), false, 1, 1);

        assertEquals(new Revision(9, 0), index.liveAt(9));
        assertNull(index.liveAt(6));
        assertFalse(index.isLiveAt(10));
        assertTrue(index.isLiveAt(11));
    }

    @Test
    void truncateForgetsAnAbandonedTxnOnly() {
        KeyIndex index = twoGenerations();
        index.append(new Revision(10, 0), true, 0, 0);
        index.append(new Revision(10, 1), false, 1, 1);

        index.truncate(10);

        assertEquals(new Revision(9, 0), index.liveAt(10));
    }

    @Test
    void compactionKeepsTheNewestEntryAtOrBeforeTheRevisionAndEverythingAfter() {
        KeyIndex index = twoGenerations();
        RevisionList dropped = new RevisionList();

        index.compact(4, dropped);

        assertEquals(List.of("2_0"), dropped(dropped));
        assertEquals(new Revision(4, 0), index.liveAt(5));
        assertNull(index.liveAt(7));
        assertEquals(new Revision(9, 0), index.liveAt(9));
    }

    @Test
    void compactionDropsATombstoneAndTheGenerationItEnded() {
        KeyIndex index = twoGenerations();
        RevisionList dropped = new RevisionList();

        index.compact(7, dropped);

        assertEquals(List.of("2_0", "4_0", "6_0t"), dropped(dropped));
        assertNull(index.liveAt(7));
        assertEquals(new Revision(8, 1), index.liveAt(8));
        assertTrue(index.contains(new Revision(9, 0), false));
        assertFalse(index.contains(new Revision(6, 0), true));
    }

    @Test
    void compactingAKeyDeletedBeforeTheRevisionEmptiesIt() {
        KeyIndex index = new KeyIndex(TestApply.bytes("k"));
        index.append(new Revision(2, 0), false, 1, 1);
        index.append(new Revision(3, 0), true, 0, 0);
        RevisionList dropped = new RevisionList();

        index.compact(3, dropped);

        assertTrue(index.isEmpty());
        assertEquals(List.of("2_0", "3_0t"), dropped(dropped));
    }
}
