package org.example.kvorum.memory;

import io.kvorum.spi.backend.Bucket;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Every bucket's entries at one point in time. Never changed once built: a commit builds the next
 * one, copying only the buckets it touches, so that any number of readers may hold an older one.
 * Keys order as unsigned bytes.
 *
 * @param buckets   bucket name to its entries (unmodifiable)
 * @param liveBytes the bytes of every key and value held
 */
record Contents(Map<String, NavigableMap<byte[], byte[]>> buckets, long liveBytes) {
    static final Contents EMPTY = new Contents(Map.of(), 0);
    /** A bucket never written; ordered as the others, since a read compares keys against it. */
    private static final NavigableMap<byte[], byte[]> NO_ENTRIES = Collections.unmodifiableNavigableMap(newBucket());

    /** A fresh, empty, modifiable map ordered as the SPI orders keys. */
    static TreeMap<byte[], byte[]> newBucket() {
        return new TreeMap<>(Arrays::compareUnsigned);
    }

    NavigableMap<byte[], byte[]> bucket(Bucket bucket) {
        return buckets.getOrDefault(bucket.name(), NO_ENTRIES);
    }

    /** The contents after {@code changes}, applied in order. */
    Contents apply(List<Change> changes) {
        Map<String, TreeMap<byte[], byte[]>> copied = new HashMap<>();
        long bytes = liveBytes;
        for (Change change : changes) {
            TreeMap<byte[], byte[]> entries = copied.computeIfAbsent(change.bucket().name(), name -> {
                TreeMap<byte[], byte[]> copy = newBucket();
                copy.putAll(buckets.getOrDefault(name, NO_ENTRIES));
                return copy;
            });
            bytes += applyTo(entries, change);
        }
        if (copied.isEmpty()) {
            return this;
        }
        Map<String, NavigableMap<byte[], byte[]>> next = new HashMap<>(buckets);
        copied.forEach((name, entries) -> next.put(name, Collections.unmodifiableNavigableMap(entries)));
        return new Contents(Map.copyOf(next), bytes);
    }

    /** Applies one change to a modifiable bucket; returns how many live bytes it added (negative: removed). */
    static long applyTo(TreeMap<byte[], byte[]> entries, Change change) {
        if (change instanceof Change.Put put) {
            byte[] old = entries.put(put.key(), put.value());
            return put.key().length + put.value().length - (old == null ? 0 : put.key().length + old.length);
        }
        if (change instanceof Change.Delete delete) {
            byte[] old = entries.remove(delete.key());
            return old == null ? 0 : -(delete.key().length + old.length);
        }
        Change.DeleteRange range = (Change.DeleteRange) change;
        if (Arrays.compareUnsigned(range.from(), range.to()) >= 0) {
            return 0;
        }
        NavigableMap<byte[], byte[]> doomed = entries.subMap(range.from(), true, range.to(), false);
        long removed = 0;
        for (Map.Entry<byte[], byte[]> entry : doomed.entrySet()) {
            removed += entry.getKey().length + entry.getValue().length;
        }
        doomed.clear();
        return -removed;
    }

    /** Wraps buckets built by {@link #applyTo}, which the caller gives up. */
    static Contents of(Map<String, TreeMap<byte[], byte[]>> built) {
        Map<String, NavigableMap<byte[], byte[]>> buckets = new HashMap<>();
        long bytes = 0;
        for (Map.Entry<String, TreeMap<byte[], byte[]>> bucket : built.entrySet()) {
            for (Map.Entry<byte[], byte[]> entry : bucket.getValue().entrySet()) {
                bytes += entry.getKey().length + entry.getValue().length;
            }
            buckets.put(bucket.getKey(), Collections.unmodifiableNavigableMap(bucket.getValue()));
        }
        return new Contents(Map.copyOf(buckets), bytes);
    }
}
