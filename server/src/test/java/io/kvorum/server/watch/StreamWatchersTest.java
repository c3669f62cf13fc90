package io.kvorum.server.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StreamWatchersTest {

    private static Watcher watcher() {
        return new Watcher(null, new byte[] {'k'}, null, 0, false, false, false, false, false);
    }

    @Test
    void idsTheHubPicksCountUpFromZeroAndSkipThoseTheClientChose() {
        StreamWatchers ws = new StreamWatchers();
        Watcher chosen = watcher();
        assertTrue(ws.add(1, chosen));
        Watcher a = watcher();
        Watcher b = watcher();
        Watcher c = watcher();
        assertTrue(ws.add(0, a));
        assertTrue(ws.add(0, b));
        assertSame(b, ws.remove(2));
        assertTrue(ws.add(0, c));
        assertEquals(1, chosen.id);
        assertEquals(0, a.id);
        assertEquals(2, b.id);
        assertEquals(3, c.id, "as etcd: the next id goes on from the last given, a freed one is not given again");
    }

    @Test
    void anIdInUseIsRefusedAndAnUnknownOneRemovesNothing() {
        StreamWatchers ws = new StreamWatchers();
        Watcher first = watcher();
        assertTrue(ws.add(7, first));
        assertFalse(ws.add(7, watcher()));
        assertNull(ws.remove(8));
        assertEquals(1, ws.live());
        assertSame(first, ws.remove(7));
        assertEquals(0, ws.live());
    }

    @Test
    void aWatcherCanceledForCompactionKeepsItsIdUntilTheClientCancelsIt() {
        StreamWatchers ws = new StreamWatchers();
        Watcher compacted = watcher();
        assertTrue(ws.add(5, compacted));
        compacted.removed = true;
        assertEquals(0, ws.live(), "it no longer delivers");
        assertFalse(ws.add(compacted.id, watcher()), "its id is still in use");
        assertSame(compacted, ws.remove(compacted.id), "so its cancel is answered");
    }
}
