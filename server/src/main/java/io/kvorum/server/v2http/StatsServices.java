package io.kvorum.server.v2http;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import io.kvorum.server.request.V2Requests;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.Member;
import java.util.List;

/**
 * etcd's {@code /v2/stats/self} (this member's state, leader and append counts) and
 * {@code /v2/stats/leader} (the leader's view of each follower; 403 "not current leader"
 * elsewhere), both GET only, from the {@link PeerStats} the consensus reports to.
 */
final class StatsServices {
    private final V2Requests server;
    private final Consensus consensus;
    private final PeerStats stats;

    StatsServices(V2Requests server, Consensus consensus) {
        this.server = server;
        this.consensus = consensus;
        this.stats = new PeerStats(() -> server.status().memberId());
        consensus.observePeerTraffic(stats);
    }

    HttpResponse self(HttpRequest req) {
        if (!V2Http.allow(req.method().name(), "GET")) {
            return V2Http.methodNotAllowed("GET");
        }
        long self = server.status().memberId();
        String name = consensus.members().stream().filter(m -> m.id() == self).map(Member::name).findFirst().orElse("");
        return json(HttpStatus.OK, stats.selfJson(name).orElse(""));
    }

    HttpResponse leader(HttpRequest req) {
        if (!V2Http.allow(req.method().name(), "GET")) {
            return V2Http.methodNotAllowed("GET");
        }
        List<Long> peers = consensus.members().stream().map(Member::id).toList();
        return stats.leaderJson(server.status().leaderId(), peers)
                .map(body -> json(HttpStatus.OK, body))
                .orElseGet(() -> json(HttpStatus.FORBIDDEN, "{\"message\":\"not current leader\"}"));
    }

    private static HttpResponse json(HttpStatus status, String body) {
        return HttpResponse.of(ResponseHeaders.builder(status).contentType(MediaType.JSON).build(),
                HttpData.ofUtf8(body));
    }
}
