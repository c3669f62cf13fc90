package io.kvorum.server.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RangeWatchersTest {

    private static Watcher watcher(long id, byte[] key, byte[] end) {
        Watcher w = new Watcher(null, key, end, 1, false, false, false, false, false);
        w.id = id;
        return w;
    }

    private static Set<Watcher> covering(RangeWatchers index, byte[] key) {
        Set<Watcher> found = new HashSet<>();
        index.forEachCovering(key, w -> assertTrue(found.add(w), "each watcher once"));
        return found;
    }

    private static byte[] randomKey(Random random) {
        byte[] key = new byte[1 + random.nextInt(3)];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (random.nextBoolean() ? random.nextInt(4) : 0xfe + random.nextInt(2)); // high bytes: unsigned order
        }
        return key;
    }

    @Test
    void findsExactlyTheWatchersWhoseRangeHoldsTheKeyAsTheyComeAndGo() {
        Random random = new Random(13);
        RangeWatchers index = new RangeWatchers();
        List<Watcher> live = new ArrayList<>();
        for (int round = 0; round < 400; round++) {
            if (live.isEmpty() || random.nextInt(3) > 0) {
                byte[] end = random.nextInt(5) == 0 ? new byte[0] : randomKey(random); // empty: no end
                Watcher w = watcher(round, randomKey(random), end);
                live.add(w);
                index.add(w);
            } else {
                index.remove(live.remove(random.nextInt(live.size())));
            }
            for (int probe = 0; probe < 20; probe++) {
                byte[] key = randomKey(random);
                Set<Watcher> expected = new HashSet<>();
                for (Watcher w : live) {
                    if (w.covers(key)) {
                        expected.add(w);
                    }
                }
                assertEquals(expected, covering(index, key));
            }
        }
        assertEquals(live.size(), index.all().size());
    }

    @Test
    void anEmptyIndexFindsNothing() {
        RangeWatchers index = new RangeWatchers();
        assertTrue(index.isEmpty());
        assertTrue(covering(index, new byte[] {1}).isEmpty());
    }
}
