package io.kvorum.server.mvcc;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;

/**
 * Rebuilds a {@link TreeIndex} at open, where the {@code key} bucket is read in revision order and
 * so in no key order. Each record finds its key in a hash map, and {@link #build} hands the keys to
 * the skip list once, sorted, which it links in linear time: one hash lookup per record instead of
 * a skip list search and insert.
 *
 * <p>One thread, before the store exists: nothing else can see the index while it is built.
 */
final class TreeIndexBuilder {

    /** A hint of more keys than this is not taken in full: the table is allocated before any arrives. */
    private static final int MAX_EXPECTED = 1 << 20;

    private final HashMap<HashedKey, KeyIndex> keys;

    TreeIndexBuilder() {
        this(0);
    }

    /**
     * @param expectedKeys about how many keys will come (at most {@value #MAX_EXPECTED} is taken):
     *                     the map is sized for them at once instead of doubling its table and
     *                     rehashing every key seen, about twenty times on the way to a million
     */
    TreeIndexBuilder(long expectedKeys) {
        int expected = (int) Math.max(0, Math.min(expectedKeys, MAX_EXPECTED));
        keys = new HashMap<>(Math.max(16, (int) (expected / 0.75f) + 1));
    }

    /**
     * The key's index, created on its first record.
     *
     * @param key owned by the index from now on if the key is new
     */
    KeyIndex getOrCreate(byte[] key) {
        return keys.computeIfAbsent(new HashedKey(key), k -> new KeyIndex(k.bytes));
    }

    /** The index of every key seen; this builder must not be used after. */
    TreeIndex build() {
        KeyIndex[] sorted = keys.values().toArray(new KeyIndex[0]);
        keys.clear();
        Arrays.sort(sorted, (a, b) -> TreeIndex.KEY_ORDER.compare(a.key(), b.key()));
        return new TreeIndex(new SortedKeys(sorted));
    }

    /** A user key by content, its hash computed once. */
    private static final class HashedKey {
        private final byte[] bytes;
        private final int hash;

        HashedKey(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof HashedKey other && hash == other.hash && Arrays.equals(bytes, other.bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * Key indexes already sorted by key, seen as the sorted map that {@code ConcurrentSkipListMap}'s
     * copy constructor reads: it asks only for the comparator and iterates the entries in order.
     * Everything else a sorted map offers is refused.
     */
    private static final class SortedKeys extends AbstractMap<byte[], KeyIndex> implements SortedMap<byte[], KeyIndex> {
        private final KeyIndex[] sorted;

        SortedKeys(KeyIndex[] sorted) {
            this.sorted = sorted;
        }

        @Override
        public Comparator<? super byte[]> comparator() {
            return TreeIndex.KEY_ORDER;
        }

        @Override
        public Set<Map.Entry<byte[], KeyIndex>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<byte[], KeyIndex>> iterator() {
                    return new Iterator<>() {
                        private int next;

                        @Override
                        public boolean hasNext() {
                            return next < sorted.length;
                        }

                        @Override
                        public Map.Entry<byte[], KeyIndex> next() {
                            if (next >= sorted.length) {
                                throw new NoSuchElementException();
                            }
                            KeyIndex index = sorted[next++];
                            return new SimpleImmutableEntry<>(index.key(), index);
                        }
                    };
                }

                @Override
                public int size() {
                    return sorted.length;
                }
            };
        }

        @Override
        public SortedMap<byte[], KeyIndex> subMap(byte[] fromKey, byte[] toKey) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SortedMap<byte[], KeyIndex> headMap(byte[] toKey) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SortedMap<byte[], KeyIndex> tailMap(byte[] fromKey) {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] firstKey() {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] lastKey() {
            throw new UnsupportedOperationException();
        }
    }
}
