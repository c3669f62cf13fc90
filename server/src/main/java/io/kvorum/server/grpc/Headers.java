package io.kvorum.server.grpc;

import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.server.request.KvRequests;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusStatus;

/** Fills response headers as etcd's v3rpc layer does: cluster id, member id, raft term, and the revision if unset. */
final class Headers {
    private final Consensus consensus;
    private final KvRequests kv;

    Headers(Consensus consensus, KvRequests kv) {
        this.consensus = consensus;
        this.kv = kv;
    }

    ResponseHeader fill(ResponseHeader partial) {
        ConsensusStatus s = consensus.status();
        ResponseHeader.Builder b = partial.toBuilder()
                .setClusterId(s.clusterId())
                .setMemberId(s.memberId())
                .setRaftTerm(s.term());
        if (b.getRevision() == 0) {
            b.setRevision(kv.currentRevision());
        }
        return b.build();
    }

    /** Cluster API headers: etcd leaves the revision 0 there. */
    ResponseHeader membership() {
        ConsensusStatus s = consensus.status();
        return ResponseHeader.newBuilder().setClusterId(s.clusterId()).setMemberId(s.memberId())
                .setRaftTerm(s.term()).build();
    }

    ResponseHeader current() {
        return fill(ResponseHeader.getDefaultInstance());
    }
}
