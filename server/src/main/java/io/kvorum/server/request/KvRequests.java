package io.kvorum.server.request;

import io.kvorum.api.etcdserverpb.AlarmMember;
import io.kvorum.api.etcdserverpb.AlarmRequest;
import io.kvorum.api.etcdserverpb.AlarmResponse;
import io.kvorum.api.etcdserverpb.AlarmType;
import io.kvorum.api.etcdserverpb.CompactionRequest;
import io.kvorum.api.etcdserverpb.CompactionResponse;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.DeleteRangeResponse;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.PutResponse;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RangeResponse;
import io.kvorum.api.etcdserverpb.RequestHeader;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.api.etcdserverpb.TxnResponse;
import io.kvorum.server.apply.Applier;
import io.kvorum.server.auth.AuthInfo;
import io.kvorum.server.auth.AuthState;
import io.kvorum.server.auth.Permissions;
import io.kvorum.server.alarm.BackendQuota;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.kv.KvReader;
import io.kvorum.server.kv.KvSemantics;
import io.kvorum.server.kv.OpCounts;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.server.metrics.ServerMetrics;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The KV requests of one member, after validation: writes are proposed to consensus and answered
 * when applied; linearizable reads wait for the read index to be applied, then read the local
 * store on the read executor (never on the apply thread).
 */
public final class KvRequests {
    /** etcd's request timeout: 5 s plus two election timeouts (1 s each by default). */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(7);
    private static final int MAX_READ_ATTEMPTS = 3;

    private final Applier applier;
    private final Consensus consensus;
    private final LeaderChanges leaderChanges;
    private final Executor readExecutor;
    private final long maxRequestBytes;
    private final RequestIds ids;
    private final RequestDeadlines deadlines = new RequestDeadlines(REQUEST_TIMEOUT);
    private final long memberId;
    /** The space quota checked before proposing; set once at start, before clients are served. */
    private volatile BackendQuota quota = BackendQuota.disabled();

    public KvRequests(Applier applier, Consensus consensus, LeaderChanges leaderChanges, Executor readExecutor,
                    long maxRequestBytes, long memberId) {
        this.applier = applier;
        this.consensus = consensus;
        this.leaderChanges = leaderChanges;
        this.readExecutor = readExecutor;
        this.maxRequestBytes = maxRequestBytes;
        this.ids = new RequestIds(memberId, System.currentTimeMillis());
        this.memberId = memberId;
    }

    /**
     * Holds puts, txns that put and lease grants to {@code quota}, before proposing (here) and
     * while applying (in the {@link Applier}); call before consensus starts.
     */
    public void enforce(BackendQuota quota) {
        this.quota = quota;
        applier.enforce(quota, this::raiseNoSpace);
    }

    /** A Range by the server itself ({@link AuthInfo#SERVER}). */
    public CompletableFuture<RangeResponse> range(RangeRequest r) {
        return range(r, AuthInfo.SERVER);
    }

    /** A Range by {@code who}, checked against the auth store before and after reading, as etcd's {@code doSerialize}. */
    public CompletableFuture<RangeResponse> range(RangeRequest r, AuthInfo who) {
        return readBarrier(r.getSerializable())
                .thenApplyAsync(v -> authorizedRead(who,
                        auth -> auth.checkRead(who, KvSemantics.bytes(r.getKey()), KvSemantics.bytes(r.getRangeEnd())),
                        reader -> {
                            RangeResponse resp = KvSemantics.range(reader, r);
                            OpCounts.range(applier.metrics());
                            return resp;
                        }), readExecutor);
    }

    public CompletableFuture<PutResponse> put(PutRequest r) {
        return put(r, AuthInfo.SERVER);
    }

    /** A Put by {@code who}; its permissions are checked where it is applied. */
    public CompletableFuture<PutResponse> put(PutRequest r, AuthInfo who) {
        return proposeWithinQuota(InternalRaftRequest.newBuilder().setPut(r), who).thenApply(PutResponse.class::cast);
    }

    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest r) {
        return deleteRange(r, AuthInfo.SERVER);
    }

    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest r, AuthInfo who) {
        return propose(InternalRaftRequest.newBuilder().setDeleteRange(r), who).thenApply(DeleteRangeResponse.class::cast);
    }

    public CompletableFuture<TxnResponse> txn(TxnRequest r) {
        return txn(r, AuthInfo.SERVER);
    }

    /** A Txn by {@code who}: a read-only one is checked here, one that writes where it is applied. */
    public CompletableFuture<TxnResponse> txn(TxnRequest r, AuthInfo who) {
        if (KvSemantics.isReadOnly(r)) {
            return readBarrier(KvSemantics.isSerializable(r))
                    .thenApplyAsync(v -> authorizedRead(who, auth -> Permissions.checkTxn(auth, who, r),
                            reader -> {
                                TxnResponse resp = KvSemantics.readTxn(reader, r);
                                OpCounts.txn(applier.metrics(), r, resp);
                                return resp;
                            }), readExecutor);
        }
        return proposeWithinQuota(InternalRaftRequest.newBuilder().setTxn(r), who).thenApply(TxnResponse.class::cast);
    }

    /** The auth store as of the last applied entry. */
    public AuthState auth() {
        return applier.auth().state();
    }

    /**
     * Checks, reads, and fails the read if the auth store changed meanwhile, as etcd's
     * {@code doSerialize}: the answer must not come from permissions the caller no longer has.
     */
    private <T> T authorizedRead(AuthInfo who, Consumer<AuthState> check, Function<KvReader, T> body) {
        check.accept(auth());
        T result = read(body);
        if (who.revision() != 0 && who != AuthInfo.SERVER && who.revision() != auth().revision()) {
            throw new EtcdException(EtcdError.AUTH_OLD_REVISION);
        }
        return result;
    }

    /** Completes when the compaction is applied, or with {@code physical}, when the history is gone too. */
    public CompletableFuture<CompactionResponse> compact(CompactionRequest r) {
        return compact(r, AuthInfo.SERVER);
    }

    /** A compaction asked by {@code who}; etcd 3.4 checks no permission for it. */
    public CompletableFuture<CompactionResponse> compact(CompactionRequest r, AuthInfo who) {
        return propose(InternalRaftRequest.newBuilder().setCompaction(r), who).thenCompose(result -> {
            Applier.Compacted c = (Applier.Compacted) result;
            return r.getPhysical() ? c.physical().thenApply(v -> c.response()) : CompletableFuture.completedFuture(c.response());
        });
    }

    /** etcd's Alarm call: every action, GET too, goes through the log, so the answer is the cluster's. */
    public CompletableFuture<AlarmResponse> alarm(AlarmRequest r) {
        return propose(InternalRaftRequest.newBuilder().setAlarm(r)).thenApply(AlarmResponse.class::cast);
    }

    /** The alarms raised, as this member applied them. */
    public List<AlarmMember> alarms() {
        return applier.alarms().all();
    }

    public long currentRevision() {
        return applier.store().currentRevision();
    }

    /** Where this member's server metrics are recorded. */
    public ServerMetrics metrics() {
        return applier.metrics();
    }

    public MvccStore store() {
        return applier.store();
    }

    /** Completes once this member has applied everything committed when it was called, as a linearizable read waits. */
    public CompletableFuture<Void> linearizableBarrier() {
        return readBarrier(false);
    }

    private CompletableFuture<Void> readBarrier(boolean serializable) {
        if (serializable) {
            return CompletableFuture.completedFuture(null);
        }
        // As etcd, give up on a read index after the request timeout (also when no leader is
        // found), and when a new leader is seen before it comes. The copy keeps either from
        // failing a future the consensus may share between readers.
        CompletableFuture<Long> index = leaderChanges.failOnNewLeader(
                WaitForLeader.call(() -> consensus.readIndex().copy(), REQUEST_TIMEOUT, EtcdError.TIMEOUT));
        ServerMetrics metrics = applier.metrics();
        return deadlines.orTimeout(index)
                .whenComplete((ok, failure) -> {
                    if (failure != null) {
                        // etcd counts a read index that fails, and one that times out as slow too
                        metrics.readIndexesFailed.inc();
                        if (failure instanceof TimeoutException) {
                            metrics.slowReadIndexes.inc();
                        }
                    }
                })
                .thenCompose(applier::awaitApplied);
    }

    /**
     * Runs a read pinned at the current revision. If a compaction overtakes the pinned revision
     * meanwhile, the read starts over at the new current revision: a read of the latest state
     * must never fail as "compacted" (a read naming a compacted revision still does).
     */
    private <T> T read(Function<KvReader, T> body) {
        for (int attempt = 1; ; attempt++) {
            KvReader reader = KvReader.pinned(applier.store());
            try {
                return body.apply(reader);
            } catch (EtcdException e) {
                boolean overtaken = e.error() == EtcdError.COMPACTED
                        && reader.revision() < applier.store().compactedRevision();
                if (!overtaken || attempt == MAX_READ_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /**
     * etcd's quota check before proposing: a request that does not fit raises this member's
     * NOSPACE alarm through the log, waits for it, and fails with "database space exceeded"
     * whatever became of the alarm.
     */
    CompletableFuture<Object> proposeWithinQuota(InternalRaftRequest.Builder request, AuthInfo who) {
        if (quota.available(request.buildPartial())) {
            return propose(request, who);
        }
        return raiseNoSpace().handle((ok, failure) -> null)
                .thenCompose(v -> CompletableFuture.failedFuture(new EtcdException(EtcdError.NO_SPACE)));
    }

    /** Raises this member's NOSPACE alarm through the log; completes when it is applied. */
    private CompletableFuture<?> raiseNoSpace() {
        return alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE)
                .setMemberID(memberId).setAlarm(AlarmType.NOSPACE).build());
    }

    CompletableFuture<Object> propose(InternalRaftRequest.Builder request) {
        return propose(request, AuthInfo.SERVER);
    }

    /** Proposes {@code request} on behalf of {@code who}, whose name and auth revision the entry's header carries. */
    CompletableFuture<Object> propose(InternalRaftRequest.Builder request, AuthInfo who) {
        return propose(request, who, maxRequestBytes);
    }

    /**
     * Proposes a v2 request: etcd 3.4 proposes those without {@code --max-request-bytes}' check,
     * bounded only by the v2 API's form limit (10 MiB).
     */
    CompletableFuture<Object> proposeV2(InternalRaftRequest.Builder request) {
        return propose(request, AuthInfo.SERVER, Long.MAX_VALUE);
    }

    private CompletableFuture<Object> propose(InternalRaftRequest.Builder request, AuthInfo who, long limit) {
        long id = ids.next();
        byte[] data = request.setID(id).setHeader(RequestHeader.newBuilder().setID(id)
                .setUsername(who.user()).setAuthRevision(who.revision())).build().toByteArray();
        if (data.length > limit) {
            return CompletableFuture.failedFuture(new EtcdException(EtcdError.REQUEST_TOO_LARGE));
        }
        long start = System.nanoTime();
        CompletableFuture<Object> applied = applier.await(id);
        ServerMetrics metrics = applier.metrics();
        metrics.proposalsPending.inc();
        applied.whenComplete((result, failure) -> metrics.proposalsPending.dec());
        AtomicBoolean accepted = new AtomicBoolean();
        WaitForLeader.call(() -> consensus.propose(data), REQUEST_TIMEOUT, EtcdError.DEADLINE_EXCEEDED)
                .whenComplete((ok, failure) -> {
                    if (failure != null) {
                        metrics.proposalsFailed.inc();
                        applier.fail(id, failure);
                    } else {
                        accepted.set(true);
                    }
                });
        // Like etcd, give up after the request timeout; the waiter goes, so nothing is left behind.
        // A proposal still waiting for a leader then fails as etcd's does (see DEADLINE_EXCEEDED),
        // and one made shortly before a new leader was seen says the previous leader failed.
        deadlines.watch(applied, () -> {
            metrics.proposalsFailed.inc();
            applier.fail(id, new EtcdException(!accepted.get() ? EtcdError.DEADLINE_EXCEEDED
                    : leaderChanges.newLeaderSoonAfter(start) ? EtcdError.TIMEOUT_DUE_TO_LEADER_FAIL
                    : EtcdError.TIMEOUT));
        });
        return applied;
    }
}
