package io.kvorum.server.mvcc;

import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the apply thread has written since the last commit: the changes of the txns ended since
 * then, the records they wrote (later txns of the batch read them back from here), the revision
 * and compacted revision those txns see, the writes to other buckets that go into the same
 * backend batch, and whether a txn is open now. It is the one owner of the state {@link WriteTxn}
 * and {@link MvccStore} share: a txn opens, ends or is abandoned here, and the store only reads
 * it and commits it. Readers never see it. Apply thread only.
 *
 * <p>It also keeps the previous batch's records: a txn that reads a key written a moment ago
 * (a compare-and-swap, {@code prev_kv}) usually finds it here instead of in the backend.
 */
final class StagedWrites {

    /** A staged write to another bucket; a null value deletes. */
    private record BucketWrite(Bucket bucket, byte[] key, byte[] value) {
    }

    private final Backend backend;
    private final List<WriteTxn.Change> changes = new ArrayList<>();
    private Map<Revision, KeyValue> values = new HashMap<>();
    private Map<Revision, KeyValue> recentValues = new HashMap<>();
    private final List<BucketWrite> bucketWrites = new ArrayList<>();
    /** Opened on demand after each commit; sees everything committed. */
    private ReadView committedView;
    private long revision;
    private long compactedRevision;
    /** Whether a txn is open: one at a time, and none across a commit, compaction or snapshot. */
    private boolean txnOpen;

    StagedWrites(Backend backend, long revision, long compactedRevision) {
        this.backend = backend;
        this.revision = revision;
        this.compactedRevision = compactedRevision;
    }

    /** The revision of the newest ended txn that changed something, committed or not. */
    long revision() {
        return revision;
    }

    /** The newest compaction applied, committed or not; -1 when none. */
    long compactedRevision() {
        return compactedRevision;
    }

    void compactAt(long revision) {
        compactedRevision = revision;
    }

    /** Keeps a record a txn just wrote, for reads before its batch commits. */
    void stage(Revision at, KeyValue kv) {
        values.put(at, kv);
    }

    /**
     * The record of a revision the index names, wherever it is now: staged, in the previous batch
     * or in the backend.
     *
     * @param committedRevision the store's newest committed revision
     */
    KeyValue record(Revision at, long committedRevision) {
        KeyValue kv = at.main() > committedRevision ? values.get(at) : recentValues.get(at);
        if (kv == null && at.main() <= committedRevision) {
            if (committedView == null) {
                committedView = backend.readView();
            }
            kv = committedView.get(Bucket.KEY, at.toKey(false))
                    .map(record -> KeyBucket.decode(at, record))
                    .orElse(null);
        }
        if (kv == null) {
            throw new IllegalStateException("mvcc: no record for revision " + at);
        }
        return kv;
    }

    /**
     * Opens a txn.
     *
     * @return the main revision its changes get: one above every txn before it, committed or not
     */
    long begin() {
        if (txnOpen) {
            throw new IllegalStateException("mvcc: a write txn is already open");
        }
        txnOpen = true;
        return revision + 1;
    }

    boolean txnOpen() {
        return txnOpen;
    }

    /** An ended txn's changes join the batch; one that changed something moves the revision to its own. */
    void end(long txnRevision, List<WriteTxn.Change> txnChanges) {
        txnOpen = false;
        if (!txnChanges.isEmpty()) {
            changes.addAll(txnChanges);
            revision = txnRevision;
        }
    }

    /**
     * Forgets an abandoned txn's changes: its index entries go, and each key gets back the create
     * revision and version it had before (newest change first, so a key changed twice ends as it
     * began).
     */
    void abandon(List<WriteTxn.Change> txnChanges, TreeIndex index) {
        txnOpen = false;
        for (int i = txnChanges.size() - 1; i >= 0; i--) {
            WriteTxn.Change change = txnChanges.get(i);
            change.index().truncate(change.revision().main());
            change.index().restoreGeneration(change.prevCreateRevision(), change.prevVersion());
            index.removeIfEmpty(change.index());
            values.remove(change.revision());
        }
    }

    void bucketPut(Bucket bucket, byte[] key, byte[] value) {
        bucketWrites.add(new BucketWrite(bucket, key, value));
    }

    void bucketDelete(Bucket bucket, byte[] key) {
        bucketWrites.add(new BucketWrite(bucket, key, null));
    }

    /** Whether nothing waits for the next commit. */
    boolean isEmpty() {
        return changes.isEmpty() && bucketWrites.isEmpty();
    }

    /** Puts every staged record and bucket write into {@code batch}. */
    void writeTo(WriteBatch batch) {
        for (WriteTxn.Change change : changes) {
            batch.put(Bucket.KEY, change.revision().toKey(change.tombstone()), change.kv().toByteArray());
        }
        for (BucketWrite write : bucketWrites) {
            if (write.value() == null) {
                batch.delete(write.bucket(), write.key());
            } else {
                batch.put(write.bucket(), write.key(), write.value());
            }
        }
    }

    /** The batch is in the backend: the staged records become the recent ones. */
    void committed() {
        changes.clear();
        bucketWrites.clear();
        recentValues = values;
        values = new HashMap<>();
        closeView();
    }

    void closeView() {
        if (committedView != null) {
            committedView.close();
            committedView = null;
        }
    }
}
