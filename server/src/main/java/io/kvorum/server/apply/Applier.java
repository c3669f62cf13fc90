package io.kvorum.server.apply;

import com.google.protobuf.CodedInputStream;
import io.kvorum.api.etcdserverpb.CompactionResponse;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.api.etcdserverpb.AlarmType;
import io.kvorum.server.alarm.AlarmStore;
import io.kvorum.server.auth.AuthApplier;
import io.kvorum.server.auth.AuthStore;
import io.kvorum.server.auth.SimpleTokens;
import io.kvorum.spi.auth.Tokens;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.LongFunction;
import io.kvorum.server.alarm.BackendQuota;
import io.kvorum.server.lease.Lessor;
import io.kvorum.server.watch.WatchHub;
import io.kvorum.server.v2.V2Records;
import io.kvorum.server.v2.V2Store;
import java.util.ArrayList;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.kv.KvSemantics;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.backend.BackendSnapshot;
import io.kvorum.spi.consensus.StateMachine;
import io.kvorum.spi.consensus.StateMachineSnapshot;
import io.kvorum.server.metrics.ServerMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine: applies committed entries to the MVCC store, one thread, in log order.
 * Each delivered batch is committed to the backend in one write batch together with the
 * consistent index, so a restart resumes right after the last entry applied; then the waiting
 * requests are answered.
 */
public final class Applier implements StateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(Applier.class);

    /** {@code --experimental-warning-apply-duration}: an entry that takes longer is logged and counted. */
    private volatile long warningApplyNanos = DEFAULT_WARNING_APPLY_DURATION.toNanos();

    /** When a commit is synced although the consensus' log could replay it; set before entries come. */
    private volatile BackendBatch backendBatch = BackendBatch.UNBOUNDED;

    /** Replaced only by a snapshot restore, on the apply thread. */
    private volatile MvccStore store;
    private final Executor replies;
    /** Where a waiting request is answered, chosen when it is proposed; see {@link #answerOn}. */
    private volatile Supplier<Executor> answerOn;
    /** One committed request's effect, etcd's applierV3. */
    private final RequestApplier requests;
    private final Waiters waiters = new Waiters();
    /** Deepest message nesting accepted in a log entry: gRPC's limit of 100, plus the envelope. */
    private static final int MAX_NESTING = 101;
    /** How far beyond the applied index a token's entry may be (a follower catching up). */
    private static final long MAX_TOKEN_LEAD = 100_000;
    /** etcd's default {@code --experimental-warning-apply-duration}. */
    public static final Duration DEFAULT_WARNING_APPLY_DURATION = Duration.ofMillis(100);

    private final AppliedIndex appliedIndex;
    /** The raised alarms; changed only here, by alarm entries. */
    private final AlarmStore alarms;
    private final Lessor lessor;
    /** Users, roles and permissions; changed only here, by auth entries. */
    private final AuthStore auth;
    /** etcd's v2 store (the v2 keys API); changed only here, by v2 entries, kept in its own bucket. */
    private final V2Store v2;
    /** The space quota applied entries are held to; set before consensus starts delivering entries. */
    private volatile BackendQuota quota = BackendQuota.disabled();
    /** Proposes this member's NOSPACE alarm; completes when it is applied (or failed). */
    private volatile Supplier<CompletableFuture<?>> raiseNoSpace = () -> CompletableFuture.completedFuture(null);
    /** Gets each committed batch's events; set before consensus starts delivering entries. */
    private volatile WatchHub watchHub;
    /** Where applying is recorded; set before consensus starts delivering entries. */
    private volatile ServerMetrics metrics = ServerMetrics.none();
    private volatile long appliedTerm;
    private volatile Throwable failure;
    private final CompletableFuture<ApplyHaltedException> halted = new CompletableFuture<>();

    /**
     * @param replies where waiting requests are answered once their batch is durable, unless
     *                {@link #answerOn} chose another place when they were proposed
     */
    public Applier(MvccStore store, Executor replies, Lessor lessor) {
        this(store, replies, lessor, applied -> SimpleTokens.create(SimpleTokens.DEFAULT_TTL, applied));
    }

    /**
     * @param tokens builds the token issuer of the auth store from what says when this state
     *               machine has applied a given index
     */
    public Applier(MvccStore store, Executor replies, Lessor lessor,
                   Function<LongFunction<CompletionStage<Void>>, Tokens> tokens) {
        this.store = store;
        this.replies = replies;
        this.answerOn = () -> replies;
        this.lessor = lessor;
        this.appliedIndex = new AppliedIndex(store.consistentIndex());
        this.alarms = AlarmStore.recover(store);
        this.auth = AuthStore.recover(store, tokens.apply(this::tokenIndexApplied));
        this.v2 = new V2Store(Applier::unixNanos, replies);
        this.v2.recover(v2Records(store));
        this.requests = new RequestApplier(alarms, lessor, auth, new AuthApplier(auth), new V2Applier(v2),
                new KvSemantics(lessor::exists));
        this.appliedTerm = store.consistentTerm();
    }

    private static long unixNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static List<V2Records.Record> v2Records(MvccStore store) {
        List<V2Records.Record> records = new ArrayList<>();
        store.scanBucket(V2Records.BUCKET, (key, value) -> {
            records.add(new V2Records.Record(key, value));
            return true;
        });
        return records;
    }

    @Override
    public long appliedIndex() {
        return appliedIndex.get();
    }

    @Override
    public long appliedTerm() {
        return appliedTerm;
    }

    @Override
    public void apply(List<Entry> entries, boolean durable) {
        if (entries.isEmpty()) {
            return;
        }
        if (failure instanceof ApplyHaltedException h) {
            throw h; // never again after a halt: what follows the failed entry builds on it
        }
        long[] ids = new long[entries.size()];
        Object[] results = new Object[entries.size()];
        boolean[] overQuota = new boolean[entries.size()];
        boolean raise = false;
        List<Event> events = new ArrayList<>();
        BackendQuota quota = this.quota;
        // As etcd's bbolt size, the backend's size as of the last commit: read once per batch.
        LongSupplier size = new LongSupplier() {
            private long bytes = -1;

            @Override
            public long getAsLong() {
                if (bytes < 0) {
                    bytes = quota.backendSize();
                }
                return bytes;
            }
        };
        for (int i = 0; i < entries.size(); i++) {
            byte[] data = entries.get(i).data();
            if (data.length == 0) {
                continue;
            }
            Entry entry = entries.get(i);
            try {
                InternalRaftRequest request = parse(data);
                ids[i] = request.getID();
                // etcd's quota applier: a request that no longer fits is applied all the same
                // (every member applies it alike), but answered with the NOSPACE error
                boolean fits = quota.available(request, size);
                long started = System.nanoTime();
                results[i] = requests.apply(store, metrics, request, events, entry.index());
                long took = System.nanoTime() - started;
                metrics.applyDurations.observe(request.hasV2() ? "v2" : "v3", ApplyOps.name(request),
                        ApplyOps.succeeded(results[i]), took);
                if (took > warningApplyNanos) {
                    warnSlowApply(request, took, results[i]);
                }
                if (!fits && !(results[i] instanceof Throwable)) {
                    results[i] = new EtcdException(EtcdError.NO_SPACE);
                    overQuota[i] = true;
                    raise |= alarms.get(AlarmType.NOSPACE).isEmpty();
                }
            } catch (IOException | RuntimeException | Error e) {
                // Outside etcd's request contract: the other members applied this entry, so going
                // on without it would make this member's state differ from theirs from here on.
                // Nothing of the batch is committed; a restart applies it again from the log.
                throw halt("cannot apply the committed entry", entry, e);
            }
        }
        Entry last = entries.get(entries.size() - 1);
        try {
            MvccStore into = store;
            v2.flush(new V2Store.Records() {
                @Override
                public void put(byte[] key, byte[] value) {
                    into.stageBucketPut(V2Records.BUCKET, key, value);
                }

                @Override
                public void delete(byte[] key) {
                    into.stageBucketDelete(V2Records.BUCKET, key);
                }
            });
            long started = System.nanoTime();
            BackendBatch batching = backendBatch;
            boolean sync = batching.mustSync(entries.size(), durable);
            store.commit(last.index(), last.term(), sync);
            batching.committed(entries.size(), sync);
            metrics.backendCommit.observeNanos(System.nanoTime() - started);
        } catch (IOException | RuntimeException | Error e) {
            // The batch is not durable, so nobody may be told it was applied. The store refuses
            // further use; the member must stop and replay from its log.
            throw halt("cannot commit the applied batch ending", last, e);
        }
        appliedTerm = last.term();
        appliedIndex.advance(last.index());
        WatchHub hub = watchHub;
        if (!events.isEmpty() && hub != null) {
            hub.publish(store.currentRevision(), events);
        }
        // Answering runs client code (headers, serialization): it runs where each request waits,
        // never here: a task to its call's event loop, or one per batch to the replies executor.
        if (!raise) {
            waiters.completeAll(ids, results);
            return;
        }
        long[] fitting = ids.clone();
        for (int i = 0; i < ids.length; i++) {
            if (overQuota[i]) {
                fitting[i] = 0;
            }
        }
        waiters.completeAll(fitting, results);
        replies.execute(() -> {
            // As etcd: the member raises its NOSPACE alarm through the log, and answers the
            // requests that went over the quota once that is done.
            LOG.warn("message exceeded backend quota; raising alarm (quota-size-bytes {})", quota.bytes());
            raiseNoSpace.get().whenComplete((ok, failure) -> {
                for (int i = 0; i < ids.length; i++) {
                    if (ids[i] != 0 && overQuota[i]) {
                        waiters.complete(ids[i], results[i]);
                    }
                }
            });
        });
    }

    /**
     * The log entry wraps the client's request in one more message, so it may nest one level
     * deeper than gRPC let the request itself nest.
     */
    private static InternalRaftRequest parse(byte[] data) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(data);
        in.setRecursionLimit(MAX_NESTING);
        InternalRaftRequest request = InternalRaftRequest.parseFrom(in);
        in.checkLastTagWas(0);
        return request;
    }

    /**
     * Holds applied puts, txns that put and lease grants to {@code quota}; one that goes over it
     * is answered with the NOSPACE error after {@code raiseNoSpace} raised the alarm (unless it is
     * raised already). Call before consensus delivers entries.
     */
    public void enforce(BackendQuota quota, Supplier<CompletableFuture<?>> raiseNoSpace) {
        this.quota = quota;
        this.raiseNoSpace = raiseNoSpace;
    }

    /** Records into {@code metrics} from now on; call before consensus delivers entries. */
    public void recordInto(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    /** Where this member's server metrics are recorded. */
    public ServerMetrics metrics() {
        return metrics;
    }

    /** Where committed events go from now on; call before consensus delivers entries. */
    public void publishTo(WatchHub hub) {
        this.watchHub = hub;
    }

    /**
     * Where each request proposed from now on is answered, asked on the proposing thread: the
     * executor its waiter's future is completed on, so where what depends on the future runs (by
     * default the replies executor). Call before clients are served.
     */
    public void answerOn(Supplier<Executor> where) {
        this.answerOn = where;
    }

    /**
     * Registers the waiter of request {@code id}; the proposer calls it before proposing, on the
     * proposing thread. The waiters are this applier's: it completes them once their batch is
     * durable, and fails them all when it halts or stops; the proposer may only give up on its own
     * ({@link #fail}).
     */
    public CompletableFuture<Object> await(long id) {
        Throwable f = failure;
        if (f != null) {
            return CompletableFuture.failedFuture(new EtcdException(EtcdError.STOPPED));
        }
        return waiters.register(id, answerOn.get());
    }

    /** Why this state machine stopped applying, if it did: the member can no longer take writes. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Stops applying for good, as etcd panics here: logs the entry and the cause, fails every
     * waiting request, tells whoever follows {@link #halted()}, and returns the exception for the
     * consensus driver, which must stop delivering entries.
     */
    private ApplyHaltedException halt(String what, Entry entry, Throwable cause) {
        ApplyHaltedException halted = new ApplyHaltedException(what, entry.index(), entry.term(), appliedIndex.get(), cause);
        failure = halted;
        LOG.error("{}; the member stops", halted.getMessage(), cause);
        waiters.failAll(new EtcdException(EtcdError.STOPPED));
        this.halted.complete(halted);
        return halted;
    }

    /**
     * Completes, with the reason, if this state machine stops applying: an entry could not be
     * applied for a reason outside etcd's request contract, or a batch could not be made durable.
     * The member must stop; its state is that of the last committed batch.
     */
    public CompletableFuture<ApplyHaltedException> halted() {
        return halted.copy();
    }

    /** Fails the waiter of request {@code id}: its proposal was refused or timed out. */
    public void fail(long id, Throwable cause) {
        waiters.fail(id, cause);
    }

    /** Completes once everything up to {@code index} is applied, as a read waits for its read index. */
    public CompletableFuture<Void> awaitApplied(long index) {
        return appliedIndex.await(index);
    }

    /** The raised alarms, as applied on this member. */
    public AlarmStore alarms() {
        return alarms;
    }

    /**
     * When a token's entry is applied here. An index far beyond this member's is no token's:
     * refusing it at once keeps made-up tokens from piling up waiters.
     */
    private CompletionStage<Void> tokenIndexApplied(long index) {
        if (index > appliedIndex.get() + MAX_TOKEN_LEAD) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("index " + index + " is far ahead"));
        }
        return appliedIndex.await(index);
    }

    /** Users, roles and permissions, as applied on this member. */
    public AuthStore auth() {
        return auth;
    }

    /** The v2 store, as applied on this member. */
    public V2Store v2() {
        return v2;
    }

    /** The store applied to: the one a snapshot restore put in place, if any. */
    public MvccStore store() {
        return store;
    }

    /** Fails every waiting request; the server is stopping. */
    public void stop(Throwable cause) {
        waiters.failAll(cause);
    }

    /** The backend's image as of the last applied entry; its meta bucket carries that index. */
    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        store.snapshot(out);
    }

    /**
     * The backend's image as of the last applied batch, opened now and written later from any
     * thread while applying goes on. The index and term are those the batch committed into the
     * image's meta bucket, so a member restoring it resumes exactly after that batch. Opening
     * takes what the backend's {@link io.kvorum.spi.backend.Backend#openSnapshot()} takes: a
     * storage snapshot for RocksDB and SQLite.
     */
    @Override
    public StateMachineSnapshot openSnapshot() throws IOException {
        MvccStore at = store;
        long index = at.consistentIndex();
        long term = at.consistentTerm();
        return new AppliedSnapshot(index, term, at.openSnapshot());
    }

    /**
     * Becomes the state in the image: the store is reopened over the restored backend and the
     * applied index moves to the image's. Requests waiting for entries the image already covers
     * are answered by whoever applied them, on their own member.
     */
    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        metrics.snapshotApplyInProgress.set(1);
        try {
            restore(in);
        } finally {
            metrics.snapshotApplyInProgress.set(0);
        }
    }

    private void restore(InputStream in) throws IOException {
        store = MvccStore.restore(store, in);
        lessor.recover(store);
        alarms.reload(store);
        auth.reload(store);
        v2.recover(v2Records(store));
        appliedTerm = store.consistentTerm();
        WatchHub hub = watchHub;
        if (hub != null) {
            // Before the applied index moves: a read that waits for it is answered from the new
            // state, and the hub must not take a later batch's events for the next revision.
            hub.restored(store.currentRevision());
        }
        appliedIndex.advance(store.consistentIndex());
    }

    /** An opened backend image and the applied entry its meta bucket names. Any thread. */
    private record AppliedSnapshot(long index, long term, BackendSnapshot image) implements StateMachineSnapshot {
        @Override
        public void writeTo(OutputStream out) throws IOException {
            image.writeTo(out);
        }

        @Override
        public void close() {
            image.close();
        }
    }

    /** The result of applying a compaction: the response, and when the history is physically gone. */
    public record Compacted(CompactionResponse response, CompletableFuture<Void> physical) {
    }

    /**
     * etcd's {@code --backend-batch-limit} and {@code --backend-batch-interval}: a backend commit is synced after
     * that many applied entries or that interval since the last synced one (see {@link BackendBatch}); 0 and
     * zero: no bound. Set before consensus starts delivering entries.
     */
    public void backendBatch(long limit, Duration interval) {
        backendBatch(limit, interval, System::nanoTime);
    }

    void backendBatch(long limit, Duration interval, java.util.function.LongSupplier clock) {
        backendBatch = new BackendBatch(limit, interval, clock);
    }

    /** etcd's {@code --experimental-warning-apply-duration}: applies that take longer are logged and counted. */
    public void warningApplyDuration(Duration threshold) {
        warningApplyNanos = threshold.toNanos();
    }

    /** etcd's "apply request took too long" line and {@code etcd_server_slow_apply_total}. */
    private void warnSlowApply(InternalRaftRequest request, long tookNanos, Object result) {
        metrics.slowApply.inc();
        LOG.atWarn().setMessage("apply request took too long")
                .addKeyValue("took", Duration.ofNanos(tookNanos))
                .addKeyValue("expected-duration", Duration.ofNanos(warningApplyNanos))
                .addKeyValue("prefix", "")
                .addKeyValue("request", describe(request))
                .addKeyValue("response", result instanceof Throwable t ? "error: " + t.getMessage() : "")
                .log();
    }

    /** The request as etcd's log shows it, values left out: its kind and, for a put, the key and the value's size. */
    static String describe(InternalRaftRequest request) {
        String header = "header:<ID:" + request.getHeader().getID() + " > ";
        if (request.hasPut()) {
            return header + "put:<key:\"" + request.getPut().getKey().toStringUtf8() + "\" value_size:"
                    + request.getPut().getValue().size() + " >";
        }
        // the one request field set besides the header, by its name in etcd's proto (txn, delete_range, ...)
        return header + request.getAllFields().keySet().stream().map(f -> f.getName())
                .filter(name -> !name.equals("header") && !name.equals("ID")).findFirst().orElse("");
    }
}
