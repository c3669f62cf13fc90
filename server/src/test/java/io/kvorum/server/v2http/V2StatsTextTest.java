package io.kvorum.server.v2http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The v2 statistics as etcd writes them: Go's durations and floats, the member's state and
 * leader as the consensus reports appends and leadership, the leader's followers, and the
 * body etcd leaves empty when a rate is infinite. The clocks are the test's.
 */
class V2StatsTextTest {
    private static final long MS = 1_000_000L;

    /** Checked against Go: {@code json.Marshal([]float64{1<<63, 0.25, 1e-7, 1.5e21})}, {@code time.Duration.String()}. */

    @Test
    void durationsReadAsGoWritesThem() {
        assertEquals("0s", GoText.duration(0));
        assertEquals("999ns", GoText.duration(999));
        assertEquals("1.5µs", GoText.duration(1_500));
        assertEquals("494.229691ms", GoText.duration(494_229_691));
        assertEquals("2.949566363s", GoText.duration(2_949_566_363L));
        assertEquals("1m0s", GoText.duration(60_000 * MS));
        assertEquals("13m3.463960099s", GoText.duration(783_463_960_099L));
        assertEquals("1h0m0.5s", GoText.duration(3_600_500 * MS));
    }

    @Test
    void floatsReadAsGoJsonWritesThem() {
        assertEquals("0", GoText.number(0));
        assertEquals("0.25", GoText.number(0.25));
        assertEquals("1234.5", GoText.number(1234.5));
        assertEquals("9223372036854776000", GoText.number(0x1p63));
        assertEquals("1e-7", GoText.number(1e-7));
        assertEquals("1.5e+21", GoText.number(1.5e21));
    }

    @Test
    void aFollowerCountsTheLeadersAppendsAndALeaderItsFollowers() {
        AtomicLong now = new AtomicLong(5_000 * MS);
        Instant wall = Instant.parse("2026-01-02T03:04:05.120Z");
        PeerStats stats = new PeerStats(() -> 0xaL, () -> wall, now::get);
        assertEquals(Optional.of("{\"name\":\"m1\",\"id\":\"a\",\"state\":\"StateFollower\",\"startTime\":\""
                + GoText.time(wall) + "\",\"leaderInfo\":{\"leader\":\"\",\"uptime\":\"0s\",\"startTime\":\""
                + GoText.time(wall) + "\"},\"recvAppendRequestCnt\":0,\"sendAppendRequestCnt\":0}"), stats.selfJson("m1"));
        stats.appendReceived(0xb, 100);
        // one append a moment ago: Go's rate over a zero duration is infinite and etcd writes no body
        assertEquals(Optional.empty(), stats.selfJson("m1"));
        now.addAndGet(500 * MS);
        stats.appendReceived(0xb, 300);
        String self = stats.selfJson("m1").orElseThrow();
        assertTrue(self.contains("\"leaderInfo\":{\"leader\":\"b\",\"uptime\":\"500ms\""), self);
        assertTrue(self.contains("\"recvAppendRequestCnt\":2,\"recvPkgRate\":4,\"recvBandwidthRate\":800,"
                + "\"sendAppendRequestCnt\":0}"), self);
        now.addAndGet(2_000 * MS);
        assertTrue(stats.selfJson("m1").orElseThrow().endsWith("\"recvAppendRequestCnt\":2,\"sendAppendRequestCnt\":0}"),
                "idle over a second: the rates are left out");
        assertEquals(Optional.empty(), stats.leaderJson(0xb, List.of(0xaL, 0xbL)), "not the leader");

        stats.becameLeader();
        stats.appendSent(0xb, 10);
        stats.appendDelivered(0xb, 2 * MS);
        now.addAndGet(100 * MS);
        stats.appendSent(0xb, 10);
        stats.appendDelivered(0xb, 4 * MS);
        stats.appendDropped(0xc);
        assertTrue(stats.selfJson("m1").orElseThrow().contains("\"state\":\"StateLeader\""));
        assertEquals(Optional.of("{\"leader\":\"a\",\"followers\":{"
                + "\"b\":{\"latency\":{\"current\":4,\"average\":3,\"standardDeviation\":1,\"minimum\":2,\"maximum\":4},"
                + "\"counts\":{\"fail\":0,\"success\":2}},"
                + "\"c\":{\"latency\":{\"current\":0,\"average\":0,\"standardDeviation\":0,\"minimum\":9223372036854776000,"
                + "\"maximum\":0},\"counts\":{\"fail\":1,\"success\":0}}}}"),
                stats.leaderJson(0xa, List.of(0xaL, 0xbL, 0xcL)));
    }

    @Test
    void pathsThatAreNotCleanAreCleanedAsGoCleansThem() {
        assertEquals("/v2/keys/b", CleanPath.clean("/v2/keys//b"));
        assertEquals("/v2/keys/b", CleanPath.clean("/v2/keys/a/../b"));
        assertEquals("/v2/keys/b/", CleanPath.clean("/v2/keys/./b/"));
        assertEquals("/v2/keys/b", CleanPath.clean("/v2/keys/b/."));
        assertEquals("/", CleanPath.clean("/.."));
        assertEquals("/v2/keys/", CleanPath.clean("/v2/keys/"));
        assertEquals("/v2/keys/a%20b/%3Fc", CleanPath.escape("/v2/keys/a b/?c"));
        assertTrue(CleanPath.redirect("GET", "/v2/keys/a?x=1").isEmpty());
        assertTrue(CleanPath.redirect("PUT", "/v2/keys//a?x=1").isPresent());
    }
}
