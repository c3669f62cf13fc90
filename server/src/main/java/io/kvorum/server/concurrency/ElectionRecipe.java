package io.kvorum.server.concurrency;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RangeResponse;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.api.v3electionpb.CampaignRequest;
import io.kvorum.api.v3electionpb.CampaignResponse;
import io.kvorum.api.v3electionpb.LeaderKey;
import io.kvorum.api.v3electionpb.LeaderRequest;
import io.kvorum.api.v3electionpb.LeaderResponse;
import io.kvorum.api.v3electionpb.ProclaimRequest;
import io.kvorum.api.v3electionpb.ProclaimResponse;
import io.kvorum.api.v3electionpb.ResignRequest;
import io.kvorum.api.v3electionpb.ResignResponse;
import io.kvorum.server.request.KvRequests;
import io.kvorum.server.request.LeaseRequests;
import io.kvorum.server.watch.WatchHub;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * {@code v3electionpb.Election}, as etcd's election server runs its election recipe: a candidate's
 * key is {@code <name>/<lease in hex>}; the oldest key under the name is the leader, and its value
 * is what the leader proclaims.
 */
public final class ElectionRecipe {
    static final String NOT_LEADER = "election: not leader";
    static final String NO_LEADER = "election: no leader";
    static final String MISSING_LEADER = "\"leader\" field must be provided";

    private final LocalClient client;

    public ElectionRecipe(KvRequests kv, LeaseRequests leases, WatchHub hub) {
        this.client = new LocalClient(kv, leases, hub);
    }

    private static ByteString prefix(ByteString name) {
        return name.concat(ByteString.copyFromUtf8("/"));
    }

    /** Campaigns and completes once leader; completing {@code canceled} stops and resigns. */
    public CompletableFuture<CampaignResponse> campaign(CampaignRequest r, CompletableFuture<Void> canceled) {
        return campaign(r, canceled, key -> { });
    }

    /**
     * {@link #campaign(CampaignRequest, CompletableFuture)}, calling {@code mayWrite} with the
     * candidate's key once the session's lease is known and before it is written: an exception it
     * throws fails the campaign and nothing is written.
     */
    public CompletableFuture<CampaignResponse> campaign(CampaignRequest r, CompletableFuture<Void> canceled,
                                                        Consumer<ByteString> mayWrite) {
        ByteString prefix = prefix(r.getName());
        return client.sessionLease(r.getLease()).thenCompose(lease -> {
            ByteString key = LocalClient.sessionKey(prefix, lease);
            mayWrite.accept(key);
            TxnRequest enter = TxnRequest.newBuilder()
                    .addCompare(LocalClient.createRevisionIs(key, 0))
                    .addSuccess(RequestOp.newBuilder().setRequestPut(
                            PutRequest.newBuilder().setKey(key).setValue(r.getValue()).setLease(lease)))
                    .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)))
                    .build();
            return client.txn(enter).thenCompose(resp -> {
                ResponseHeader header = resp.getHeader();
                CompletableFuture<Long> entered;
                if (resp.getSucceeded()) {
                    entered = CompletableFuture.completedFuture(header.getRevision());
                } else {
                    KeyValue existing = resp.getResponses(0).getResponseRange().getKvs(0);
                    long revision = existing.getCreateRevision();
                    entered = existing.getValue().equals(r.getValue())
                            ? CompletableFuture.completedFuture(revision)
                            : proclaim(key, revision, lease, r.getValue()).thenApply(h -> revision)
                                    .whenComplete((ok, failure) -> {
                                        if (failure != null) {
                                            resign(key, revision);
                                        }
                                    });
                }
                return entered.thenCompose(revision -> client.waitDeletes(prefix, revision - 1, canceled)
                        .whenComplete((ok, failure) -> {
                            if (failure != null && canceled.isDone()) {
                                resign(key, revision);
                            }
                        })
                        .thenApply(v -> CampaignResponse.newBuilder().setHeader(header)
                                .setLeader(LeaderKey.newBuilder().setName(r.getName()).setKey(key)
                                        .setRev(revision).setLease(lease))
                                .build()));
            });
        });
    }

    public CompletableFuture<ProclaimResponse> proclaim(ProclaimRequest r) {
        if (!r.hasLeader()) {
            return CompletableFuture.failedFuture(new RecipeException(MISSING_LEADER));
        }
        LeaderKey l = r.getLeader();
        return proclaim(l.getKey(), l.getRev(), l.getLease(), r.getValue())
                .thenApply(h -> ProclaimResponse.newBuilder().setHeader(h).build());
    }

    private CompletableFuture<ResponseHeader> proclaim(ByteString key, long revision, long lease, ByteString value) {
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(LocalClient.createRevisionIs(key, revision))
                .addSuccess(RequestOp.newBuilder().setRequestPut(
                        PutRequest.newBuilder().setKey(key).setValue(value).setLease(lease)))
                .build();
        return client.txn(txn).thenApply(resp -> {
            if (!resp.getSucceeded()) {
                throw new RecipeException(NOT_LEADER);
            }
            return resp.getHeader();
        });
    }

    public CompletableFuture<ResignResponse> resign(ResignRequest r) {
        if (!r.hasLeader()) {
            return CompletableFuture.failedFuture(new RecipeException(MISSING_LEADER));
        }
        return resign(r.getLeader().getKey(), r.getLeader().getRev())
                .thenApply(h -> ResignResponse.newBuilder().setHeader(h).build());
    }

    private CompletableFuture<ResponseHeader> resign(ByteString key, long revision) {
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(LocalClient.createRevisionIs(key, revision))
                .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)))
                .build();
        return client.txn(txn).thenApply(resp -> resp.getHeader());
    }

    public CompletableFuture<LeaderResponse> leader(LeaderRequest r) {
        return client.range(LocalClient.firstCreated(prefix(r.getName()))).thenApply(resp -> {
            if (resp.getKvsCount() == 0) {
                throw new RecipeException(NO_LEADER);
            }
            return LeaderResponse.newBuilder().setHeader(resp.getHeader()).setKv(resp.getKvs(0)).build();
        });
    }

    /**
     * Sends the leader, then every change of its value, then the next leader when it goes, as
     * etcd's Observe does, until {@code canceled} completes.
     *
     * @param ended called once if the observation ends by itself: with null when its watch was
     *              canceled (etcd then ends the call normally), with the failure otherwise
     */
    public void observe(LeaderRequest r, Consumer<LeaderResponse> send, Consumer<Throwable> ended,
                        CompletableFuture<Void> canceled) {
        new Observer(prefix(r.getName()), send, ended, canceled).findLeader();
    }

    /** One Observe call: waits for a leader, follows its key until it is deleted, and again. */
    private final class Observer {
        private final ByteString prefix;
        private final Consumer<LeaderResponse> send;
        private final Consumer<Throwable> failed;
        private final CompletableFuture<Void> canceled;
        private LocalClient.Watch watch;

        Observer(ByteString prefix, Consumer<LeaderResponse> send, Consumer<Throwable> failed,
                 CompletableFuture<Void> canceled) {
            this.prefix = prefix;
            this.send = send;
            this.failed = failed;
            this.canceled = canceled;
            canceled.whenComplete((v, t) -> stopWatch());
        }

        private synchronized void stopWatch() {
            if (watch != null) {
                watch.close();
                watch = null;
            }
        }

        private synchronized void startWatch(ByteString key, ByteString end, long revision,
                                             Consumer<io.kvorum.api.etcdserverpb.WatchResponse> onResponse) {
            stopWatch();
            if (!canceled.isDone()) {
                watch = client.watch(key, end, revision, onResponse);
            }
        }

        void findLeader() {
            if (canceled.isDone()) {
                return;
            }
            client.range(LocalClient.firstCreated(prefix)).whenComplete((resp, failure) -> {
                if (failure != null) {
                    failed.accept(failure);
                } else if (resp.getKvsCount() > 0) {
                    follow(resp.getHeader(), resp.getKvs(0));
                } else {
                    awaitFirstPut(resp);
                }
            });
        }

        /** No leader yet: the first PUT under the prefix is the leader (a DELETE would make this spin). */
        private void awaitFirstPut(RangeResponse resp) {
            boolean[] found = {false};
            startWatch(prefix, LocalClient.prefixEnd(prefix), resp.getHeader().getRevision(), wr -> {
                if (found[0]) {
                    return;
                }
                if (wr.getCanceled()) {
                    found[0] = true;
                    failed.accept(null);
                    return;
                }
                for (Event e : wr.getEventsList()) {
                    if (e.getType() == Event.EventType.PUT) {
                        found[0] = true;
                        ResponseHeader header = wr.getHeader().toBuilder().setRevision(e.getKv().getModRevision()).build();
                        follow(header, e.getKv());
                        return;
                    }
                }
            });
        }

        /** Sends the leader, then its value changes, until its key is deleted; then looks again. */
        private void follow(ResponseHeader header, KeyValue leader) {
            send.accept(LeaderResponse.newBuilder().setHeader(header).setKv(leader).build());
            boolean[] gone = {false};
            startWatch(leader.getKey(), ByteString.EMPTY, header.getRevision() + 1, wr -> {
                if (gone[0]) {
                    return;
                }
                if (wr.getCanceled()) {
                    gone[0] = true;
                    failed.accept(null);
                    return;
                }
                for (Event e : wr.getEventsList()) {
                    if (e.getType() == Event.EventType.DELETE) {
                        gone[0] = true;
                        stopWatch();
                        findLeader();
                        return;
                    }
                    send.accept(LeaderResponse.newBuilder().setHeader(wr.getHeader()).setKv(e.getKv()).build());
                }
            });
        }
    }
}
