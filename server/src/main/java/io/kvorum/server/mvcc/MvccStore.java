package io.kvorum.server.mvcc;

import com.google.protobuf.ByteString;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendSnapshot;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * etcd's multi-version key-value store over a {@link Backend}.
 *
 * <p>Every write txn that changes something gets the next main revision; its changes get
 * sub-revisions 0, 1, 2… in order. The {@code key} bucket maps each revision to its record and the
 * {@link TreeIndex} maps each key to its revisions, so any revision not yet compacted can be read.
 *
 * <p>Threads:
 * <ul>
 *   <li>Reads ({@link #range}, {@link #count}, {@link #hashKV} and the accessors) run on any thread,
 *       concurrently with each other and with the writer. They see whole committed batches only.
 *   <li>Writes ({@link #beginWrite} and its {@link WriteTxn}, {@link #commit}, {@link #compact},
 *       {@link #close}) belong to the apply thread, one txn at a time.
 *   <li>A compactor thread compacts the index and deletes compacted records; its backend commits
 *       and the apply thread's take turns, so the backend never sees two committers at once.
 * </ul>
 *
 * <p>How writes become visible: a txn puts its changes into the index at once, under a revision
 * above the published one, so readers skip them, while the apply thread's own later txns see them.
 * Their records wait in {@link StagedWrites} (the apply thread's side of the store, which its
 * txns share) until {@link #commit} writes them, with the consistent index, in one backend batch;
 * only then is the new revision published to readers. A compaction likewise takes
 * effect for readers when the batch it was applied in commits.
 *
 * <p>Why a compaction at R may run in the background: it only drops, per key, the entries older
 * than the newest one at or before R, and that newest one too when it is a tombstone (with the key,
 * when nothing newer is left). A read at R or later finds the newest entry at or before its
 * revision, which is that newest one or a newer one, so it answers the same from each key's history
 * before or after compaction; a key emptied and unmapped was absent at R and later, and a read of
 * it finds no index or the new generation's. Reads below R are refused once R is published, which
 * happens before the compactor starts.
 */
public final class MvccStore implements AutoCloseable {
    /** The backend buckets of a member's store, named as etcd's. */
    public static final List<Bucket> BUCKETS = List.of(Bucket.KEY, Bucket.META, Bucket.LEASE, Bucket.MEMBERS,
            Bucket.AUTH, Bucket.AUTH_USERS, Bucket.AUTH_ROLES, Bucket.ALARM);


    private final Backend backend;
    private final MvccConfig config;
    private final TreeIndex index;
    private final Compactor compactor;
    private final ReentrantLock commitLock = new ReentrantLock();

    // Published by the apply thread after a commit; read by anyone.
    private volatile long currentRevision;
    /** -1 until the first compaction, as in etcd. Set before the compactor compacts the index. */
    private volatile long compactedRevision;
    private volatile long consistentIndex;
    private volatile long consistentTerm;
    private volatile boolean closed;

    // The apply thread's own state.
    private final StagedWrites staged;
    private final List<ScheduledCompaction> scheduledCompactions = new ArrayList<>();
    /** The live keys that carry a lease, as found at open; handed once to the lessor. */
    private Map<ByteString, Long> leasedKeys = new HashMap<>();
    private boolean failed;

    private record ScheduledCompaction(long revision, CompletableFuture<Void> done) {
    }

    /** Thrown by a read when the index names a record its view does not have. */
    private static final class MissingRecordException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MissingRecordException() {
            super(null, null, false, false);
        }
    }

    private MvccStore(Backend backend, MvccConfig config, TreeIndex index, long revision, long compactedRevision) {
        this.config = config;
        this.backend = backend;
        this.index = index;
        this.compactor = new Compactor(backend, index, commitLock, config);
        this.currentRevision = revision;
        this.compactedRevision = compactedRevision;
        this.staged = new StagedWrites(backend, revision, compactedRevision);
    }

    /** Opens the store kept in {@code backend}, with {@link MvccConfig#DEFAULT}. */
    public static MvccStore open(Backend backend) {
        return open(backend, MvccConfig.DEFAULT);
    }

    /**
     * Opens the store kept in {@code backend}: rebuilds the index from the {@code key} bucket, reads
     * the meta bucket, and finishes a compaction that was scheduled but not done. The caller keeps
     * owning the backend and closes it after this store.
     */
    public static MvccStore open(Backend backend, MvccConfig config) {
        long[] highest = {0};
        Map<ByteString, Long> leased = new HashMap<>();
        long consistentIndex;
        long term;
        long scheduled;
        long finished;
        TreeIndexBuilder building;
        try (ReadView view = backend.readView()) {
            consistentIndex = MetaBucket.read(view, MetaBucket.CONSISTENT_INDEX, 0);
            // one entry applied is mostly one put: the applied index sizes the key map, roughly
            building = new TreeIndexBuilder(consistentIndex);
            term = MetaBucket.read(view, MetaBucket.TERM, 0);
            scheduled = MetaBucket.read(view, MetaBucket.SCHEDULED_COMPACT_REVISION, -1);
            finished = MetaBucket.read(view, MetaBucket.FINISHED_COMPACT_REVISION, -1);
            // records come in revision order, so every key's history is appended oldest first,
            // and the index ends with each key's newest create revision and version
            view.scan(Bucket.KEY, new byte[0], null, false, 0, (key, record) -> {
                Revision revision = Revision.fromKey(key);
                boolean tombstone = Revision.isTombstoneKey(key);
                KeyBucket.Header header = KeyBucket.header(record);
                byte[] userKey = header.key();
                building.getOrCreate(userKey).append(revision, tombstone, header.createRevision(), header.version());
                highest[0] = revision.main();
                long lease = tombstone ? 0 : header.lease();
                if (lease != 0) {
                    leased.put(ByteString.copyFrom(userKey), lease);
                } else if (!leased.isEmpty()) {
                    leased.remove(ByteString.copyFrom(userKey));
                }
                return true;
            });
        }
        TreeIndex index = building.build();
        // a fresh store is at revision 1; a compaction may have removed the newest records
        MvccStore store = new MvccStore(backend, config, index, Math.max(1, Math.max(highest[0], scheduled)), scheduled);
        store.leasedKeys = leased;
        store.consistentIndex = consistentIndex;
        store.consistentTerm = term;
        if (scheduled >= 0) {
            // always compact the rebuilt index: records of an unfinished compaction are back in it.
            // No writes yet, so this is done here; the compactor's own pass then finds nothing.
            RevisionList dropped = new RevisionList();
            index.compact(scheduled, dropped, () -> true);
            if (!dropped.isEmpty() || finished < scheduled) {
                store.compactor.submit(scheduled, dropped, new CompletableFuture<>());
            }
        }
        return store;
    }

    // ---- reads, any thread ----

    /**
     * The live keys of a range at a revision.
     *
     * @param key      the first key; must not be empty
     * @param rangeEnd empty or null: just {@code key}; {@code {0}}: every key from {@code key} on;
     *                 otherwise the keys in [{@code key}, {@code rangeEnd}) by unsigned bytes
     * @param revision the revision to read at; 0 or less: the current one
     * @param limit    at most this many kvs; 0 or less: no limit
     * @throws FutureRevisionException when {@code revision} is above the current revision
     * @throws CompactedException       when {@code revision} is below the compacted revision
     */
    public RangeResult range(byte[] key, byte[] rangeEnd, long revision, long limit) {
        return read(key, rangeEnd, revision, limit, false);
    }

    /** Like {@link #range} but only counts: the result's kvs are empty. */
    public RangeResult count(byte[] key, byte[] rangeEnd, long revision) {
        return read(key, rangeEnd, revision, 0, true);
    }

    private RangeResult read(byte[] key, byte[] rangeEnd, long revision, long limit, boolean countOnly) {
        requireKey(key);
        while (true) {
            long current = currentRevision;
            long at = revision > 0 ? revision : current;
            if (at > current) {
                throw new FutureRevisionException();
            }
            if (at < compactedRevision) {
                if (revision > 0) {
                    throw new CompactedException();
                }
                continue; // a commit published a revision and a compaction since we read the revision
            }
            RangeResult result = null;
            try (CommittedRecords records = new CommittedRecords(backend)) {
                result = collect(key, rangeEnd, at, limit, countOnly, records);
            } catch (MissingRecordException e) {
                // compaction overtook this read, or the backend lost a record: told apart below
            }
            // optimistic: compaction announces itself before it touches the index or the backend
            if (at >= compactedRevision) {
                if (result == null) {
                    throw new IllegalStateException("mvcc: the backend lacks a record the index names");
                }
                return result;
            }
            if (revision > 0) {
                throw new CompactedException();
            }
            // a read of the latest revision overtaken by a compaction: read the new latest
        }
    }

    /** Where a range gets the record of a revision from. */
    @FunctionalInterface
    interface RecordSource {
        KeyValue fetch(Revision revision);
    }

    /**
     * A reader's records: the view opens at the first fetch (a count or a miss needs none), which
     * is late enough, as it only has to hold the revisions up to one read before it.
     */
    private static final class CommittedRecords implements RecordSource, AutoCloseable {
        private final Backend backend;
        private ReadView view;

        CommittedRecords(Backend backend) {
            this.backend = backend;
        }

        @Override
        public KeyValue fetch(Revision revision) {
            if (view == null) {
                view = backend.readView();
            }
            byte[] record = view.get(Bucket.KEY, revision.toKey(false)).orElseThrow(MissingRecordException::new);
            return KeyBucket.decode(revision, record);
        }

        @Override
        public void close() {
            if (view != null) {
                view.close();
            }
        }
    }

    RangeResult collect(byte[] key, byte[] rangeEnd, long at, long limit, boolean countOnly,
                        RecordSource records) {
        List<KeyValue> kvs = countOnly ? List.of() : new ArrayList<>();
        long count = 0;
        for (KeyIndex keyIndex : index.range(key, rangeEnd)) {
            if (countOnly || limit > 0 && kvs.size() >= limit) {
                if (keyIndex.isLiveAt(at)) {
                    count++;
                }
                continue;
            }
            Revision live = keyIndex.liveAt(at);
            if (live != null) {
                count++;
                kvs.add(records.fetch(live));
            }
        }
        return new RangeResult(kvs, count, at);
    }

    /**
     * etcd's HashKV: a CRC-32C over the {@code key} bucket's records up to {@code revision} (0 or
     * less: the current one); see {@link StoreHashes#hashKV}. Any thread.
     *
     * @throws FutureRevisionException when {@code revision} is above the current revision
     * @throws CompactedException       when {@code revision} is below the compacted revision
     */
    public KeyValueHash hashKV(long revision) {
        return StoreHashes.hashKV(this, backend, index, revision);
    }

    /**
     * etcd's Hash: a CRC-32C over every bucket but the consistent index and term, as of one
     * committed moment; see {@link StoreHashes#hashAll}. Any thread.
     */
    public KeyValueHash hashAll() {
        return StoreHashes.hashAll(this, backend);
    }

    /** The keys in the index: live ones and deleted ones whose history is not compacted away. */
    public long keyCount() {
        return index.size();
    }

    /** The newest committed revision: what reads at revision 0 see. */
    public long currentRevision() {
        return currentRevision;
    }

    /** Reads below this revision fail; -1 when the store was never compacted. */
    public long compactedRevision() {
        return compactedRevision;
    }

    /** The consistent index committed with the newest batch. */
    public long consistentIndex() {
        return consistentIndex;
    }

    /** The term committed with the newest batch. */
    public long consistentTerm() {
        return consistentTerm;
    }

    /**
     * The events of revisions {@code from} to {@code to} (both included), in revision order, as a
     * watcher catching up needs them: PUTs with the full KeyValue, DELETEs with the key and mod
     * revision; no {@code prev_kv}. A revision's events are never split: the read stops after the
     * revision in which {@code maxEvents} is reached. Any thread.
     *
     * @throws CompactedException when {@code from} is below the compacted revision
     */
    public History history(long from, long to, int maxEvents) {
        List<Event> events = new ArrayList<>();
        long[] last = {to};
        try (ReadView view = backend.readView()) {
            // the view is a snapshot: a compaction announced after this check deletes nothing it shows
            long compacted = compactedRevision;
            if (from < compacted) {
                throw new CompactedException();
            }
            view.scan(Bucket.KEY, Revision.firstKeyOf(from), Revision.firstKeyOf(to + 1), false, 0, (key, record) -> {
                Revision revision = Revision.fromKey(key);
                long main = revision.main();
                if (main == compacted && Revision.isTombstoneKey(key)) {
                    // a compaction at this revision drops its tombstones, deleted yet or not
                    return true;
                }
                if (events.size() >= maxEvents && main != events.get(events.size() - 1).getKv().getModRevision()) {
                    last[0] = main - 1;
                    return false;
                }
                KeyValue kv = KeyBucket.decode(revision, record);
                events.add(Event.newBuilder()
                        .setType(Revision.isTombstoneKey(key) ? Event.EventType.DELETE : Event.EventType.PUT)
                        .setKv(kv)
                        .build());
                return true;
            });
        }
        return new History(events, last[0]);
    }

    /** Events read by {@link #history}, complete up to and including {@code lastRevision}. */
    public record History(List<Event> events, long lastRevision) {
    }

    /** Calls {@code visitor} with every record of {@code bucket}, in key order. Any thread. */
    public void scanBucket(Bucket bucket, ReadView.EntryVisitor visitor) {
        try (ReadView view = backend.readView()) {
            view.scan(bucket, new byte[0], null, false, 0, visitor);
        }
    }

    /**
     * The live keys that carried a lease when the store was opened, key to lease id; answers once
     * (the lessor rebuilds its attachments from it), then forgets them.
     */
    public Map<ByteString, Long> takeLeasedKeys() {
        Map<ByteString, Long> keys = leasedKeys;
        leasedKeys = Map.of();
        return keys;
    }

    // ---- writes, apply thread only ----

    /**
     * Puts {@code value} under {@code key} in {@code bucket} (not {@code key}) as part of the next
     * commit, so that it is durable exactly when the applied entries it belongs to are.
     */
    public void stageBucketPut(Bucket bucket, byte[] key, byte[] value) {
        requireWritable();
        staged.bucketPut(bucket, key, value);
    }

    /** Deletes {@code key} from {@code bucket} as part of the next commit. */
    public void stageBucketDelete(Bucket bucket, byte[] key) {
        requireWritable();
        staged.bucketDelete(bucket, key);
    }

    /**
     * Starts a txn. It sees every earlier txn, committed or only staged. End it with
     * {@link WriteTxn#end()}; closing it without ending forgets its changes.
     */
    public WriteTxn beginWrite() {
        requireWritable();
        return new WriteTxn(this, staged, staged.begin());
    }

    /**
     * Writes every txn ended since the last commit, and {@code consistentIndex} and {@code term},
     * in one backend batch; then publishes the new revision (and any compaction applied since) to
     * readers and hands compactions to the compactor.
     *
     * @param durable whether the batch must be on stable storage when this returns
     * @throws IOException when the backend fails; the store is then unusable and must be reopened
     */
    public void commit(long consistentIndex, long term, boolean durable) throws IOException {
        requireWritable();
        if (staged.txnOpen()) {
            throw new IllegalStateException("mvcc: commit while a write txn is open");
        }
        try (WriteBatch batch = backend.newBatch()) {
            staged.writeTo(batch);
            batch.put(Bucket.META, MetaBucket.key(MetaBucket.CONSISTENT_INDEX), MetaBucket.encodeUint64(consistentIndex));
            batch.put(Bucket.META, MetaBucket.key(MetaBucket.TERM), MetaBucket.encodeUint64(term));
            if (!scheduledCompactions.isEmpty()) {
                batch.put(Bucket.META, MetaBucket.key(MetaBucket.SCHEDULED_COMPACT_REVISION),
                        MetaBucket.encodeCompactRevision(staged.compactedRevision()));
            }
            commitLock.lock();
            try {
                // durable when compacting: the compactor's deletions must never outlive the schedule
                backend.commit(batch, durable || !scheduledCompactions.isEmpty());
            } finally {
                commitLock.unlock();
            }
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw e;
        }
        staged.committed();
        this.consistentIndex = consistentIndex;
        this.consistentTerm = term;
        currentRevision = staged.revision();
        for (ScheduledCompaction compaction : scheduledCompactions) {
            // published before the compactor touches the index: see the class comment
            compactedRevision = compaction.revision();
            compactor.submit(compaction.revision(), new RevisionList(), compaction.done());
        }
        scheduledCompactions.clear();
    }

    /**
     * Compacts at {@code revision}: once the current batch commits, reads below it fail, and every
     * key keeps its newest record at or below it (unless that is a tombstone) and all newer ones.
     * The rest is dropped from the index and deleted from the backend in the background.
     *
     * @return completes when the index and the backend no longer hold the dropped records (etcd's
     *         {@code physical=true}); never wait for it on the apply thread, which must commit first
     * @throws CompactedException       when {@code revision} is not above the compacted revision
     * @throws FutureRevisionException  when {@code revision} is above the current revision
     */
    public CompletableFuture<Void> compact(long revision) {
        requireWritable();
        if (staged.txnOpen()) {
            throw new IllegalStateException("mvcc: compaction while a write txn is open");
        }
        if (revision <= staged.compactedRevision()) {
            throw new CompactedException();
        }
        if (revision > staged.revision()) {
            throw new FutureRevisionException();
        }
        staged.compactAt(revision);
        CompletableFuture<Void> done = new CompletableFuture<>();
        scheduledCompactions.add(new ScheduledCompaction(revision, done));
        return done.copy();
    }

    /**
     * Writes an image of the backend as of the last commit, meta bucket (consistent index)
     * included: {@link #restore} on another member turns it back into this store's state.
     * Apply thread only, between commits.
     */
    public void snapshot(OutputStream out) throws IOException {
        requireWritable();
        if (staged.txnOpen() || !staged.isEmpty() || !scheduledCompactions.isEmpty()) {
            throw new IllegalStateException("mvcc: snapshot with uncommitted changes");
        }
        backend.snapshot(out);
    }

    /**
     * Opens an image of the backend as of the last commit, meta bucket (consistent index and term
     * of that commit) included, to be written later from any thread while commits go on; see
     * {@link Backend#openSnapshot()}. Apply thread only, between commits. Compactor batches
     * committed meanwhile are not in it: the image's meta bucket still schedules their work, and
     * {@link #open} on the restored backend finishes it.
     */
    public BackendSnapshot openSnapshot() throws IOException {
        requireWritable();
        if (staged.txnOpen() || !staged.isEmpty() || !scheduledCompactions.isEmpty()) {
            throw new IllegalStateException("mvcc: snapshot with uncommitted changes");
        }
        return backend.openSnapshot();
    }

    /**
     * Replaces the contents of {@code store}'s backend with an image written by {@link #snapshot}
     * and opens the store anew over it. {@code store} is closed; use the returned one.
     * Apply thread only.
     */
    public static MvccStore restore(MvccStore store, InputStream in) throws IOException {
        Backend backend = store.backend;
        MvccConfig config = store.config;
        store.close();
        backend.restore(in);
        return open(backend, config);
    }

    /** Completes when every compaction committed so far (or resumed at open) is physically done. */
    public CompletableFuture<Void> physicalCompactionDone() {
        return compactor.latest().copy();
    }

    /**
     * Stops the compactor after its current batch and releases the store's view. Staged, uncommitted
     * txns are lost. Call it from the apply thread, or once that has stopped; the backend stays open.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ScheduledCompaction compaction : scheduledCompactions) {
            compaction.done().completeExceptionally(
                    new CancellationException("mvcc: store closed before the compaction was committed"));
        }
        scheduledCompactions.clear();
        compactor.close();
        staged.closeView();
    }

    /** Tests only: {@code hook} runs on the compactor thread after each chunk of keys it compacts. */
    void afterIndexChunk(Runnable hook) {
        compactor.afterIndexChunk = hook;
    }

    // ---- for WriteTxn, apply thread ----

    TreeIndex index() {
        return index;
    }

    /** The record of a revision the index names, staged or committed. */
    KeyValue record(Revision revision) {
        return staged.record(revision, currentRevision);
    }

    private void requireWritable() {
        if (closed) {
            throw new IllegalStateException("mvcc: store is closed");
        }
        if (failed) {
            throw new IllegalStateException("mvcc: a backend commit failed; reopen the store");
        }
    }

    static void requireKey(byte[] key) {
        if (key == null || key.length == 0) {
            throw new IllegalArgumentException("mvcc: key is not provided");
        }
    }
}
