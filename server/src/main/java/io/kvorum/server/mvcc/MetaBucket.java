package io.kvorum.server.mvcc;

import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import java.nio.charset.StandardCharsets;

/**
 * What the store keeps in the {@code meta} bucket, under etcd's names: the consistent index and
 * term as 8-byte big-endian numbers, and the scheduled and finished compaction revisions in the
 * 17-byte revision form etcd writes (an 8-byte value is read too).
 */
final class MetaBucket {

    static final String CONSISTENT_INDEX = "consistent_index";
    static final String TERM = "term";
    static final String SCHEDULED_COMPACT_REVISION = "scheduledCompactRev";
    static final String FINISHED_COMPACT_REVISION = "finishedCompactRev";

    private MetaBucket() {
    }

    static byte[] key(String name) {
        return name.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] encodeUint64(long value) {
        byte[] bytes = new byte[8];
        Revision.putLong(bytes, 0, value);
        return bytes;
    }

    static byte[] encodeCompactRevision(long revision) {
        return Revision.firstKeyOf(revision);
    }

    /** The number stored under {@code name}, or {@code absent}. Both encodings start with 8 bytes BE. */
    static long read(ReadView view, String name, long absent) {
        return view.get(Bucket.META, key(name)).map(value -> {
            if (value.length != 8 && value.length != Revision.KEY_LENGTH) {
                throw new IllegalStateException("mvcc: meta " + name + " has " + value.length + " bytes");
            }
            return Revision.getLong(value, 0);
        }).orElse(absent);
    }
}
