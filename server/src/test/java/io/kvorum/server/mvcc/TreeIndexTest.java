package io.kvorum.server.mvcc;

import static io.kvorum.server.mvcc.TestApply.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The hand-over between the apply thread's appends and the compactor, one interleaving per test. */
class TreeIndexTest {

    private final TreeIndex tree = new TreeIndex();
    private final byte[] key = bytes("k");

    /** k: put@2, delete@3; the apply thread then looks k up to put it again at 4. */
    private KeyIndex deletedKeyAsTheApplyThreadFindsIt() {
        tree.append(tree.getOrCreate(key), new Revision(2, 0), false, 1, 1);
        tree.append(tree.getOrCreate(key), new Revision(3, 0), true, 0, 0);
        return tree.getOrCreate(key);
    }

    @Test
    void aPutToAKeyTheCompactorJustEmptiedAndUnmappedStartsTheKeysNewIndex() {
        KeyIndex found = deletedKeyAsTheApplyThreadFindsIt();
        tree.compact(3, new RevisionList(), () -> true);

        KeyIndex appended = tree.append(found, new Revision(4, 0), false, 1, 1);

        assertNotSame(found, appended);
        assertSame(appended, tree.get(key));
        assertEquals(new Revision(4, 0), tree.get(key).liveAt(4));
        assertTrue(found.isEmpty());
    }

    @Test
    void aPutToAKeyTheCompactorEmptiedButHasNotUnmappedYetStartsTheKeysNewIndex() {
        KeyIndex found = deletedKeyAsTheApplyThreadFindsIt();
        found.compact(3, new RevisionList());
        assertTrue(found.markRemovedIfEmpty());

        KeyIndex appended = tree.append(found, new Revision(4, 0), false, 1, 1);

        assertNotSame(found, appended);
        assertSame(appended, tree.get(key));
        assertEquals(new Revision(4, 0), appended.liveAt(4));
        assertFalse(found.append(new Revision(5, 0), false, 1, 1));
    }

    @Test
    void aKeyPutAgainBeforeTheCompactorReachesItKeepsItsIndexAndNewGeneration() {
        KeyIndex found = deletedKeyAsTheApplyThreadFindsIt();
        tree.append(found, new Revision(4, 0), false, 1, 1);

        RevisionList dropped = new RevisionList();
        tree.compact(3, dropped, () -> true);

        assertSame(found, tree.get(key));
        assertEquals(2, dropped.size());
        assertNull(found.liveAt(3));
        assertEquals(new Revision(4, 0), found.liveAt(4));
    }

    @Test
    void compactionStopsBetweenChunksWhenToldTo() {
        for (int i = 0; i < 3 * TreeIndex.CHUNK; i++) {
            KeyIndex index = tree.getOrCreate(bytes("k" + i));
            tree.append(index, new Revision(2, i), false, 1, 1);
            tree.append(index, new Revision(3, i), false, 1, 1);
        }
        RevisionList dropped = new RevisionList();
        int[] chunks = {0};

        boolean finished = tree.compact(3, dropped, () -> ++chunks[0] < 2);

        assertFalse(finished);
        assertEquals(2 * TreeIndex.CHUNK, dropped.size());
    }
}
