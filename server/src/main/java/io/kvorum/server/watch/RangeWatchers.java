package io.kvorum.server.watch;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The synced watchers of key ranges, found by key as etcd's interval tree finds them: an event
 * costs a logarithmic walk plus the watchers whose range holds its key, not a look at every range
 * watcher. The watchers are kept sorted by first key as an implicit balanced tree in which each
 * node knows the highest end below it, so a walk skips every subtree whose ranges all end at or
 * before the key, and every subtree that starts after it.
 *
 * <p>Watchers come and go far less often than events arrive: a change only marks the tree stale,
 * and the next lookup rebuilds it. Hub thread only.
 */
final class RangeWatchers {
    private static final byte[] UNBOUNDED = new byte[0];

    private final Set<Watcher> watchers = new LinkedHashSet<>();
    /** By first key; null when stale. */
    private Watcher[] sorted;
    /** For the subtree rooted at each index: the highest end in it, {@link #UNBOUNDED} for none. */
    private byte[][] maxEnd;

    /** @param w a watcher of a range ({@link Watcher#end} not null) */
    void add(Watcher w) {
        if (watchers.add(w)) {
            sorted = null;
        }
    }

    void remove(Watcher w) {
        if (watchers.remove(w)) {
            sorted = null;
        }
    }

    boolean isEmpty() {
        return watchers.isEmpty();
    }

    /** Every watcher, in the order added. */
    Collection<Watcher> all() {
        return Collections.unmodifiableSet(watchers);
    }

    /** Calls {@code action} with each watcher whose range holds {@code key}. */
    void forEachCovering(byte[] key, Consumer<Watcher> action) {
        if (sorted == null) {
            rebuild();
        }
        visit(0, sorted.length - 1, key, action);
    }

    private void visit(int lo, int hi, byte[] key, Consumer<Watcher> action) {
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (!endsAfter(maxEnd[mid], key)) {
                return; // every range below ends at or before the key
            }
            visit(lo, mid - 1, key, action);
            Watcher w = sorted[mid];
            if (Arrays.compareUnsigned(w.key, key) > 0) {
                return; // this range and all to its right start after the key
            }
            if (endsAfter(w.end, key)) {
                action.accept(w);
            }
            lo = mid + 1;
        }
    }

    private void rebuild() {
        sorted = watchers.toArray(new Watcher[0]);
        Arrays.sort(sorted, (a, b) -> Arrays.compareUnsigned(a.key, b.key));
        maxEnd = new byte[sorted.length][];
        fillMaxEnd(0, sorted.length - 1);
    }

    private byte[] fillMaxEnd(int lo, int hi) {
        if (lo > hi) {
            return null;
        }
        int mid = (lo + hi) >>> 1;
        byte[] max = higher(sorted[mid].end, higher(fillMaxEnd(lo, mid - 1), fillMaxEnd(mid + 1, hi)));
        maxEnd[mid] = max;
        return max;
    }

    /** The higher of two ends, null being none and {@link #UNBOUNDED} (empty) above all. */
    private static byte[] higher(byte[] a, byte[] b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        if (a.length == 0 || b.length == 0) {
            return UNBOUNDED;
        }
        return Arrays.compareUnsigned(a, b) >= 0 ? a : b;
    }

    /** Whether a range ending at {@code end} (empty: unbounded) still holds keys after {@code key}'s start. */
    private static boolean endsAfter(byte[] end, byte[] key) {
        return end.length == 0 || Arrays.compareUnsigned(key, end) < 0;
    }
}
