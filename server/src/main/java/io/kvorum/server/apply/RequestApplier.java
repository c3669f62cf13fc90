package io.kvorum.server.apply;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.AlarmMember;
import io.kvorum.api.etcdserverpb.AlarmRequest;
import io.kvorum.api.etcdserverpb.AlarmResponse;
import io.kvorum.api.etcdserverpb.CompactionResponse;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.LeaseCheckpoint;
import io.kvorum.api.etcdserverpb.LeaseCheckpointResponse;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.LeaseGrantResponse;
import io.kvorum.api.etcdserverpb.LeaseRevokeResponse;
import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.api.etcdserverpb.TxnResponse;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.server.alarm.AlarmStore;
import io.kvorum.server.auth.AuthApplier;
import io.kvorum.server.auth.AuthInfo;
import io.kvorum.server.auth.AuthState;
import io.kvorum.server.auth.AuthStore;
import io.kvorum.server.auth.Permissions;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.kv.KvSemantics;
import io.kvorum.server.kv.KvWriter;
import io.kvorum.server.kv.OpCounts;
import io.kvorum.server.lease.Lease;
import io.kvorum.server.lease.Lessor;
import io.kvorum.server.metrics.ServerMetrics;
import io.kvorum.server.mvcc.CompactedException;
import io.kvorum.server.mvcc.FutureRevisionException;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.server.mvcc.WriteTxn;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One committed request's effect on the state machine, as etcd's {@code applierV3}: alarms first,
 * then the alarms' refusals, auth, leases, compaction, and the KV writes with their permission
 * checks against the auth store as of the entry. The {@link Applier} around it owns the batch:
 * parsing, the quota, committing, publishing and answering.
 */
final class RequestApplier {
    /** The applier's logger, so that its lines (alarms raised and disarmed) read as before. */
    private static final Logger LOG = LoggerFactory.getLogger(Applier.class);

    private final AlarmStore alarms;
    private final Lessor lessor;
    private final AuthStore auth;
    private final AuthApplier authApplier;
    private final V2Applier v2Applier;
    private final KvSemantics kv;

    RequestApplier(AlarmStore alarms, Lessor lessor, AuthStore auth, AuthApplier authApplier, V2Applier v2Applier,
                   KvSemantics kv) {
        this.alarms = alarms;
        this.lessor = lessor;
        this.auth = auth;
        this.authApplier = authApplier;
        this.v2Applier = v2Applier;
        this.kv = kv;
    }

    /**
     * Applies request {@code r} of entry {@code index} to {@code store}, adding the events it made
     * to {@code events}: its response, or the {@link EtcdException} it fails with by etcd's
     * contract (then it changed nothing). Any other exception is outside that contract, and the
     * caller halts.
     */
    Object apply(MvccStore store, ServerMetrics metrics, InternalRaftRequest r, List<Event> events, long index) {
        if (r.hasV2()) {
            // etcd 3.4 applies v2 requests to its v2 store, apart from the v3 appliers (alarms, auth)
            return v2Applier.apply(r.getV2());
        }
        try {
            if (r.hasAlarm()) {
                return alarm(store, r.getAlarm());
            }
            Optional<EtcdError> refused = alarms.refusal(r);
            if (refused.isPresent()) {
                return new EtcdException(refused.get());
            }
            // Who asked, as the proposing member resolved their token; checked here, against the
            // auth store as of this entry, as etcd's auth applier does.
            AuthInfo who = new AuthInfo(r.getHeader().getUsername(), r.getHeader().getAuthRevision());
            AuthState permissions = auth.state();
            if (AuthApplier.isAuth(r)) {
                return authApplier.apply(store, r, who, index);
            }
            if (r.hasLeaseGrant()) {
                LeaseGrantRequest g = r.getLeaseGrant();
                Lease lease = lessor.grant(store, g.getID(), g.getTTL());
                if (lease == null) {
                    return new EtcdException(EtcdError.LEASE_EXIST);
                }
                return LeaseGrantResponse.newBuilder().setHeader(ResponseHeader.getDefaultInstance())
                        .setID(lease.id()).setTTL(lease.ttl()).build();
            }
            if (r.hasLeaseCheckpoint()) {
                // etcd's applier: needs no permission, and an unknown lease is skipped
                for (LeaseCheckpoint c : r.getLeaseCheckpoint().getCheckpointsList()) {
                    lessor.checkpoint(store, c.getID(), c.getRemainingTTL());
                }
                return LeaseCheckpointResponse.newBuilder().setHeader(ResponseHeader.getDefaultInstance()).build();
            }
            if (r.hasLeaseRevoke()) {
                Permissions.checkLeaseKeys(permissions, who, leaseKeys(r.getLeaseRevoke().getID()));
                return revoke(store, r.getLeaseRevoke().getID(), events);
            }
            if (r.hasCompaction()) {
                CompletableFuture<Void> physical;
                try {
                    long started = System.nanoTime();
                    physical = store.compact(r.getCompaction().getRevision());
                    ServerMetrics recorded = metrics;
                    physical.whenComplete((done, failure) -> {
                        if (failure == null) {
                            recorded.compactionTotal.observe((System.nanoTime() - started) / 1e6);
                        }
                        // as etcd, when its compaction ends, however it ended
                        recorded.compactionLast.set(System.currentTimeMillis() / 1000);
                    });
                } catch (CompactedException e) {
                    return new EtcdException(EtcdError.COMPACTED);
                } catch (FutureRevisionException e) {
                    return new EtcdException(EtcdError.FUTURE_REV);
                }
                // The header's revision is filled in when replying, once this batch is published.
                return new Applier.Compacted(CompactionResponse.newBuilder().setHeader(ResponseHeader.getDefaultInstance())
                        .build(), physical);
            }
            // A txn closed without end() leaves no trace: a request that fails changes nothing.
            try (WriteTxn w = store.beginWrite()) {
                KvWriter txn = KvWriter.over(w);
                Object response;
                if (r.hasPut()) {
                    Permissions.checkPut(permissions, who, r.getPut(), leaseKeys(r.getPut().getLease()));
                    kv.checkLease(r.getPut());
                    response = kv.put(txn, r.getPut());
                    OpCounts.put(metrics, r.getPut());
                } else if (r.hasDeleteRange()) {
                    Permissions.checkDeleteRange(permissions, who, r.getDeleteRange());
                    response = kv.deleteRange(txn, r.getDeleteRange());
                    OpCounts.delete(metrics);
                } else if (r.hasTxn()) {
                    Permissions.checkTxn(permissions, who, r.getTxn());
                    TxnResponse done = kv.writeTxn(txn, r.getTxn());
                    OpCounts.txn(metrics, r.getTxn(), done);
                    response = done;
                } else {
                    LOG.error("skipping entry with no known request (id {})", r.getID());
                    return new IllegalStateException("unknown request");
                }
                w.end();
                List<Event> changed = w.events();
                lessor.apply(changed);
                events.addAll(changed);
                return response;
            }
        } catch (EtcdException e) {
            // A request that fails by etcd's contract changes nothing, on every member alike.
            return e;
        } catch (CompactedException e) {
            return new EtcdException(EtcdError.COMPACTED);
        } catch (FutureRevisionException e) {
            return new EtcdException(EtcdError.FUTURE_REV);
        }
    }

    /** etcd's alarm request: GET lists, ACTIVATE raises, DEACTIVATE disarms; the answer lists what it concerned. */
    private AlarmResponse alarm(MvccStore store, AlarmRequest a) {
        AlarmResponse.Builder response = AlarmResponse.newBuilder().setHeader(ResponseHeader.getDefaultInstance());
        switch (a.getAction()) {
            case GET -> response.addAllAlarms(alarms.get(a.getAlarm()));
            case ACTIVATE -> {
                boolean first = alarms.get(a.getAlarm()).isEmpty();
                AlarmMember raised = alarms.activate(store, a.getMemberID(), a.getAlarm());
                response.addAlarms(raised);
                if (first) {
                    LOG.warn("alarm {} raised by member {}", raised.getAlarm(), Long.toHexString(raised.getMemberID()));
                }
            }
            case DEACTIVATE -> alarms.deactivate(store, a.getMemberID(), a.getAlarm()).ifPresent(disarmed -> {
                response.addAlarms(disarmed);
                if (alarms.get(disarmed.getAlarm()).isEmpty()) {
                    LOG.warn("alarm {} disarmed", disarmed.getAlarm());
                }
            });
            default -> {
                // an action this version does not know: etcd answers nothing for it
            }
        }
        return response.build();
    }

    /** The keys attached to lease {@code id}; none for no lease or an unknown one. */
    private List<ByteString> leaseKeys(long id) {
        Lease lease = id == 0 ? null : lessor.get(id);
        return lease == null ? List.of() : lease.sortedKeys();
    }

    /** Deletes the lease's keys in one revision, in key order, and forgets the lease. */
    private Object revoke(MvccStore store, long id, List<Event> events) {
        Lease lease = lessor.get(id);
        if (lease == null) {
            return new EtcdException(EtcdError.LEASE_NOT_FOUND);
        }
        long revision;
        try (WriteTxn w = store.beginWrite()) {
            for (ByteString key : lease.sortedKeys()) {
                w.deleteRange(key.toByteArray(), null);
            }
            revision = w.end();
            List<Event> changed = w.events();
            lessor.apply(changed);
            events.addAll(changed);
        }
        lessor.remove(store, lease);
        return LeaseRevokeResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(revision)).build();
    }
}
