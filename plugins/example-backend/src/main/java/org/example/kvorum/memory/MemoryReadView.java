package org.example.kvorum.memory;

import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;

/** Reads one {@link Contents}, which nothing changes: any thread may use the view, and closing it frees nothing. */
final class MemoryReadView implements ReadView {
    private static final byte[] NO_KEY = new byte[0];

    private final Contents contents;

    MemoryReadView(Contents contents) {
        this.contents = contents;
    }

    @Override
    public Optional<byte[]> get(Bucket bucket, byte[] key) {
        return Optional.ofNullable(contents.bucket(bucket).get(key)).map(byte[]::clone);
    }

    @Override
    public void scan(Bucket bucket, byte[] from, byte[] to, boolean reverse, long limit, EntryVisitor visitor) {
        NavigableMap<byte[], byte[]> entries = contents.bucket(bucket);
        byte[] start = from == null ? NO_KEY : from;
        NavigableMap<byte[], byte[]> range;
        if (to == null) {
            range = entries.tailMap(start, true);
        } else if (Arrays.compareUnsigned(start, to) >= 0) {
            range = Collections.emptyNavigableMap();
        } else {
            range = entries.subMap(start, true, to, false);
        }
        long visited = 0;
        for (Map.Entry<byte[], byte[]> entry : (reverse ? range.descendingMap() : range).entrySet()) {
            if (limit > 0 && visited == limit) {
                return;
            }
            visited++;
            // The stored arrays are shared by every view: hand out copies.
            if (!visitor.visit(entry.getKey().clone(), entry.getValue().clone())) {
                return;
            }
        }
    }

    @Override
    public void close() {
        // Holds no resource: the contents are freed when no view refers to them.
    }
}
