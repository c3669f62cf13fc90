package io.kvorum.server.snapshot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds one bucket's B+tree bottom-up from entries given in ascending key order, writing each
 * page as soon as it is full: leaves as they fill, and a branch page of each level as its
 * children fill it. It holds one pending page per level, so its memory is a few pages (plus the
 * largest value) whatever the bucket's size. Pages are packed full; a value too large for a page
 * makes a leaf with overflow pages, as bbolt does.
 */
final class TreeBuilder {
    private record Element(byte[] key, byte[] value, int flags, long child) {
    }

    /** The pending elements of one level; level 0 holds leaf elements, the others branch ones. */
    private static final class Level {
        final List<Element> elements = new ArrayList<>();
        long bytes = Bbolt.PAGE_HEADER_SIZE;
    }

    private final PageOut out;
    private final List<Level> levels = new ArrayList<>();
    private byte[] lastKey;
    private long entries;

    TreeBuilder(PageOut out) {
        this.out = out;
        levels.add(new Level());
    }

    /** Adds an entry; keys must come strictly ascending (unsigned bytes). */
    void add(byte[] key, byte[] value, int flags) throws IOException {
        if (key.length == 0 || key.length > Bbolt.MAX_KEY_SIZE) {
            throw new IllegalArgumentException("bbolt: key of " + key.length + " bytes");
        }
        if (lastKey != null && Arrays.compareUnsigned(lastKey, key) >= 0) {
            throw new IllegalArgumentException("bbolt: keys out of order");
        }
        lastKey = key;
        entries++;
        long size = Bbolt.LEAF_ELEMENT_SIZE + (long) key.length + value.length;
        Level leaf = levels.get(0);
        if (!leaf.elements.isEmpty() && leaf.bytes + size > Bbolt.PAGE_SIZE) {
            flush(0);
        }
        leaf.elements.add(new Element(key, value, flags, 0));
        leaf.bytes += size;
    }

    long entries() {
        return entries;
    }

    /** Writes what is pending and returns the root page id (an empty tree is one empty leaf). */
    long finish() throws IOException {
        if (levels.size() == 1 || !levels.get(0).elements.isEmpty()) {
            flush(0);
        }
        for (int i = 1; ; i++) {
            Level level = levels.get(i);
            boolean top = i == levels.size() - 1;
            if (top && level.elements.size() == 1) {
                return level.elements.get(0).child();
            }
            if (!level.elements.isEmpty()) {
                flush(i);
            }
        }
    }

    private void flush(int index) throws IOException {
        Level level = levels.get(index);
        boolean leaf = index == 0;
        int length = (int) level.bytes;
        int pages = Bbolt.pagesFor(length);
        byte[] page = new byte[length];
        int count = level.elements.size();
        if (count > 0xFFFF) {
            throw new IllegalStateException("bbolt: " + count + " elements in a page");
        }
        Bbolt.pageHeader(page, 0, leaf ? Bbolt.LEAF_PAGE_FLAG : Bbolt.BRANCH_PAGE_FLAG, count, pages - 1);
        int element = Bbolt.PAGE_HEADER_SIZE;
        int data = element + count * Bbolt.LEAF_ELEMENT_SIZE;
        for (Element e : level.elements) {
            if (leaf) {
                Bbolt.putInt(page, element, e.flags());
                Bbolt.putInt(page, element + 4, data - element);
                Bbolt.putInt(page, element + 8, e.key().length);
                Bbolt.putInt(page, element + 12, e.value().length);
            } else {
                Bbolt.putInt(page, element, data - element);
                Bbolt.putInt(page, element + 4, e.key().length);
                Bbolt.putLong(page, element + 8, e.child());
            }
            System.arraycopy(e.key(), 0, page, data, e.key().length);
            data += e.key().length;
            System.arraycopy(e.value(), 0, page, data, e.value().length);
            data += e.value().length;
            element += Bbolt.LEAF_ELEMENT_SIZE;
        }
        byte[] firstKey = count > 0 ? level.elements.get(0).key() : new byte[0];
        long id = out.write(page, length, pages);
        level.elements.clear();
        level.bytes = Bbolt.PAGE_HEADER_SIZE;
        if (index + 1 == levels.size()) {
            levels.add(new Level());
        }
        Level parent = levels.get(index + 1);
        long size = Bbolt.BRANCH_ELEMENT_SIZE + (long) firstKey.length;
        if (!parent.elements.isEmpty() && parent.bytes + size > Bbolt.PAGE_SIZE) {
            flush(index + 1);
        }
        parent.elements.add(new Element(firstKey, new byte[0], 0, id));
        parent.bytes += size;
    }
}
