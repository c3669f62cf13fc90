package io.kvorum.server.mvcc;

import com.google.protobuf.UnsafeByteOperations;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One write txn of the apply thread: everything it changes shares one main revision, in the order
 * of the calls. It reads its own changes and those of earlier txns, committed or not.
 *
 * <p>End it with {@link #end()}. Closing it without ending it forgets its changes, for an apply
 * step that fails half-way.
 */
public final class WriteTxn implements AutoCloseable {

    /**
     * One change: the record written under {@code revision}; for a delete, the record it ended
     * ({@code prev}, null for a put); and the key's create revision and version before it, which an
     * abandoned txn puts back.
     */
    record Change(KeyIndex index, Revision revision, KeyValue kv, KeyValue prev, boolean tombstone,
                  long prevCreateRevision, long prevVersion) {
    }

    private final MvccStore store;
    private final StagedWrites staged;
    private final long revision;
    private final List<Change> changes = new ArrayList<>();
    private boolean done;

    WriteTxn(MvccStore store, StagedWrites staged, long revision) {
        this.store = store;
        this.staged = staged;
        this.revision = revision;
    }

    /**
     * Like {@link MvccStore#range}, but including this txn's changes and staged ones. Revision 0
     * or less reads the latest state.
     */
    public RangeResult range(byte[] key, byte[] rangeEnd, long revision, long limit) {
        return read(key, rangeEnd, revision, limit, false);
    }

    /** Like {@link #range} but only counts: the result's kvs are empty. */
    public RangeResult count(byte[] key, byte[] rangeEnd, long revision) {
        return read(key, rangeEnd, revision, 0, true);
    }

    /** The revision a read at revision 0 sees now: this txn's once it changed anything, else the one before. */
    public long currentRevision() {
        return changes.isEmpty() ? staged.revision() : this.revision;
    }

    /** The lowest revision still readable, counting compactions staged in this batch. */
    public long compactedRevision() {
        return staged.compactedRevision();
    }

    private RangeResult read(byte[] key, byte[] rangeEnd, long revision, long limit, boolean countOnly) {
        requireOpen();
        MvccStore.requireKey(key);
        long latest = currentRevision();
        long at = revision > 0 ? revision : latest;
        if (at > latest) {
            throw new FutureRevisionException();
        }
        if (at < staged.compactedRevision()) {
            throw new CompactedException();
        }
        return store.collect(key, rangeEnd, at, limit, countOnly, store::record);
    }

    /**
     * Puts {@code value} under {@code key} with {@code lease} (0: none). A key absent until now
     * starts a generation: create revision = this txn's revision, version 1; otherwise the create
     * revision stays and the version goes up by one. Both come from the key index: a put never
     * reads the previous record. The arrays are the store's from now on.
     *
     * @return the KeyValue written
     */
    public KeyValue put(byte[] key, byte[] value, long lease) {
        requireOpen();
        MvccStore.requireKey(key);
        KeyIndex index = store.index().getOrCreate(key);
        long prevVersion = index.version();
        long prevCreateRevision = index.createRevision();
        long createRevision = prevVersion == 0 ? revision : prevCreateRevision;
        Revision at = nextRevision();
        KeyValue kv = KeyValue.newBuilder()
                .setKey(UnsafeByteOperations.unsafeWrap(index.key()))
                .setCreateRevision(createRevision)
                .setModRevision(revision)
                .setVersion(prevVersion + 1)
                .setValue(UnsafeByteOperations.unsafeWrap(value))
                .setLease(lease)
                .build();
        KeyIndex appended = store.index().append(index, at, false, createRevision, prevVersion + 1);
        staged.stage(at, kv);
        changes.add(new Change(appended, at, kv, null, false, prevCreateRevision, prevVersion));
        return kv;
    }

    /**
     * Deletes the live keys of a range (forms as in {@link MvccStore#range}), ending their
     * generations. Deleting nothing changes nothing.
     *
     * @return the deleted keys' KeyValues as they were, ascending by key
     */
    public List<KeyValue> deleteRange(byte[] key, byte[] rangeEnd) {
        requireOpen();
        MvccStore.requireKey(key);
        List<KeyValue> deleted = new ArrayList<>();
        for (KeyIndex index : store.index().range(key, rangeEnd)) {
            long prevVersion = index.version();
            if (prevVersion == 0) {
                continue;
            }
            long prevCreateRevision = index.createRevision();
            KeyValue prev = store.record(index.liveAt(revision));
            Revision at = nextRevision();
            KeyValue tombstone = KeyValue.newBuilder()
                    .setKey(UnsafeByteOperations.unsafeWrap(index.key()))
                    .setModRevision(revision)
                    .build();
            KeyIndex appended = store.index().append(index, at, true, 0, 0);
            changes.add(new Change(appended, at, tombstone, prev, true, prevCreateRevision, prevVersion));
            deleted.add(prev);
        }
        return Collections.unmodifiableList(deleted);
    }

    /**
     * This txn's changes as watch events, in sub-revision order: a PUT carries the new KeyValue, a
     * DELETE the key and mod revision and, as {@code prev_kv}, the KeyValue it deleted. A PUT has
     * no {@code prev_kv}: the store does not read it; a watcher that asks for it reads it at the
     * revision before (as etcd's watch does). Still answers after {@link #end()}, for the watch hub.
     */
    public List<Event> events() {
        List<Event> events = new ArrayList<>(changes.size());
        for (Change change : changes) {
            Event.Builder event = Event.newBuilder()
                    .setType(change.tombstone() ? Event.EventType.DELETE : Event.EventType.PUT)
                    .setKv(change.kv());
            if (change.prev() != null) {
                event.setPrevKv(change.prev());
            }
            events.add(event.build());
        }
        return Collections.unmodifiableList(events);
    }

    /**
     * Ends the txn; its changes wait for {@link MvccStore#commit}.
     *
     * @return the store's revision after this txn: one more than before if it changed anything
     */
    public long end() {
        requireOpen();
        done = true;
        staged.end(revision, changes);
        return staged.revision();
    }

    /** Forgets the changes of a txn that was not ended; does nothing after {@link #end()}. */
    @Override
    public void close() {
        if (!done) {
            done = true;
            staged.abandon(changes, store.index());
        }
    }

    private Revision nextRevision() {
        return new Revision(revision, changes.size());
    }

    private void requireOpen() {
        if (done) {
            throw new IllegalStateException("mvcc: txn already ended");
        }
    }
}
