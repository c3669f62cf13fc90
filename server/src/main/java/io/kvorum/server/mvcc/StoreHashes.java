package io.kvorum.server.mvcc;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The store's consistency hashes, as etcd's corruption checks compare them between members: both
 * read committed state only, on any thread, and retry when a commit or compaction moved the
 * revisions they were taken at.
 */
final class StoreHashes {

    private StoreHashes() {
    }

    /**
     * A CRC-32C over the {@code key} bucket's records up to {@code revision} (0 or less: the
     * current one), with the bucket name first, as etcd's HashKV: records a compaction dropped count
     * as gone whether or not they are deleted yet. Like etcd's, it asks the index which records the
     * compaction keeps, which is the same before, during and after the compactor's pass over the
     * index, so it never waits for that pass.
     *
     * @throws FutureRevisionException when {@code revision} is above the current revision
     * @throws CompactedException       when {@code revision} is below the compacted revision
     */
    static KeyValueHash hashKV(MvccStore store, Backend backend, TreeIndex index, long revision) {
        while (true) {
            long current = store.currentRevision();
            long compacted = store.compactedRevision();
            long at = revision > 0 ? revision : current;
            if (at > current) {
                throw new FutureRevisionException();
            }
            if (at < compacted) {
                if (revision > 0) {
                    throw new CompactedException();
                }
                continue; // as in read: the current revision moved past a new compaction meanwhile
            }
            CRC32C crc = new CRC32C();
            crc.update(KeyBucket.NAME);
            try (ReadView view = backend.readView()) {
                view.scan(Bucket.KEY, new byte[0], Revision.firstKeyOf(at + 1), false, 0, (key, record) -> {
                    Revision rev = Revision.fromKey(key);
                    boolean dropped = rev.main() <= compacted && (Revision.isTombstoneKey(key)
                            || !rev.equals(liveAt(index, KeyBucket.userKey(record), compacted)));
                    if (!dropped) {
                        crc.update(key);
                        crc.update(record);
                    }
                    return true;
                });
            }
            // a compaction at `compacted` keeps exactly the record live then, whether the compactor
            // has reached the key yet or not; one at a later revision may drop it from the index
            if (store.compactedRevision() == compacted) {
                return new KeyValueHash((int) crc.getValue(), current, compacted);
            }
        }
    }

    /**
     * etcd's Hash: a CRC-32C over every one of the store's {@link MvccStore#BUCKETS} in name order, each its name and
     * then its keys and values in key order, leaving out the consistent index and term (they are
     * the log's, not the data's), as of one committed moment. Any thread.
     *
     * @return the hash, the revision it was taken at and the compacted revision then
     */
    static KeyValueHash hashAll(MvccStore store, Backend backend) {
        List<Bucket> ordered = new ArrayList<>(MvccStore.BUCKETS);
        ordered.sort((a, b) -> Arrays.compareUnsigned(a.name().getBytes(StandardCharsets.UTF_8),
                b.name().getBytes(StandardCharsets.UTF_8)));
        byte[] consistentIndex = MetaBucket.key(MetaBucket.CONSISTENT_INDEX);
        byte[] term = MetaBucket.key(MetaBucket.TERM);
        while (true) {
            long current = store.currentRevision();
            long compacted = store.compactedRevision();
            CRC32C crc = new CRC32C();
            try (ReadView view = backend.readView()) {
                for (Bucket bucket : ordered) {
                    crc.update(bucket.name().getBytes(StandardCharsets.UTF_8));
                    boolean meta = bucket.equals(Bucket.META);
                    view.scan(bucket, new byte[0], null, false, 0, (key, value) -> {
                        if (!meta || !(Arrays.equals(key, consistentIndex) || Arrays.equals(key, term))) {
                            crc.update(key);
                            crc.update(value);
                        }
                        return true;
                    });
                }
            }
            if (store.currentRevision() == current && store.compactedRevision() == compacted) {
                return new KeyValueHash((int) crc.getValue(), current, compacted);
            }
        }
    }

    /** The revision of the key's record at {@code revision}, or null; any thread. */
    private static Revision liveAt(TreeIndex index, byte[] key, long revision) {
        KeyIndex keyIndex = index.get(key);
        return keyIndex == null ? null : keyIndex.liveAt(revision);
    }
}
