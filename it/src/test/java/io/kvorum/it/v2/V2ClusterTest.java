package io.kvorum.it.v2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kvorum.it.cluster.Cluster;
import io.kvorum.it.cluster.ClusterMember;
import io.kvorum.it.server.Target;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The v2 store is replicated as every write: v2 writes through any member reach every member in
 * the same order, a follower that was down catches up from a snapshot (a small
 * {@code --snapshot-count} and catch-up window), a member killed with SIGKILL comes back with the
 * same store, TTLs expire on every member alike (the leader's SYNC), a quorum read on a
 * follower sees the latest write, and {@code /v2/members} adds and removes a member.
 */
@Tag("cluster")
class V2ClusterTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final int KEYS = 60;

    @Test
    void v2WritesReachEveryMemberSurviveSigkillAndReachAFollowerThroughASnapshot() {
        try (Cluster cluster = Cluster.start(Target.KVORUM, "v2-cluster", 3, "--enable-v2", "--snapshot-count", "20",
                "--experimental-snapshot-catchup-entries", "5")) {
            ClusterMember leader = cluster.awaitLeader(Cluster.ELECTION_TIMEOUT.multipliedBy(10));
            ClusterMember down = cluster.followers().get(0);
            ClusterMember up = cluster.followers().get(1);
            down.stop();
            for (int i = 0; i < KEYS; i++) {
                ClusterMember via = i % 2 == 0 ? leader : up;
                assertEquals(201, send(via, "PUT", "/v2/keys/dir/k" + String.format("%03d", i), "value=v" + i).statusCode());
            }
            assertEquals(201, send(up, "POST", "/v2/keys/queue", "value=job").statusCode());
            assertEquals(201, send(leader, "PUT", "/v2/keys/short", "value=x&ttl=1").statusCode());
            down.restart();

            String expected = awaitSame(cluster, "/v2/keys/?recursive=true&sorted=true", Duration.ofSeconds(60));
            assertTrue(expected.contains("\"key\":\"/dir/k059\""), expected);
            assertTrue(!expected.contains("/short"), "the TTL key expired on every member: " + expected);
            // the line may come a moment after the member serves the snapshot's state
            awaitTrue(() -> down.allLogs().contains("installed a snapshot"),
                    "the member that was down caught up from a snapshot, as this test means it to\n" + cluster.logTails());

            assertEquals(200, send(leader, "PUT", "/v2/keys/dir/k000", "value=changed").statusCode());
            HttpResponse<String> quorum = send(down, "GET", "/v2/keys/dir/k000?quorum=true", null);
            assertTrue(quorum.body().contains("\"value\":\"changed\""), quorum.body());

            HttpResponse<String> added = send(leader, "POST", "/v2/members",
                    "{\"peerURLs\":[\"http://127.0.0.1:" + unusedPort() + "\"]}", "application/json");
            assertEquals(201, added.statusCode(), added.body());
            String id = added.body().replaceAll("(?s).*\"id\":\"([0-9a-f]+)\".*", "$1");
            // a member's list is its own, as etcd's: the others learn of the change when they apply it
            awaitTrue(() -> send(down, "GET", "/v2/members", null).body().contains("\"id\":\"" + id + "\""),
                    "the follower lists the added member");
            assertEquals(409, send(up, "POST", "/v2/members", "{\"peerURLs\":[\"" + leader.peerUrl() + "\"]}",
                    "application/json").statusCode());
            assertEquals(204, send(up, "DELETE", "/v2/members/" + id, null).statusCode());
            awaitTrue(() -> !send(leader, "GET", "/v2/members", null).body().contains(id),
                    "the leader no longer lists the removed member");

            up.kill();
            up.restart();
            assertEquals(awaitSame(cluster, "/v2/keys/?recursive=true&sorted=true", Duration.ofSeconds(60)),
                    get(up, "/v2/keys/?recursive=true&sorted=true"));
        }
    }

    /** Waits until every running member answers {@code path} alike (local reads), and returns that answer. */
    private static String awaitSame(Cluster cluster, String path, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> answers = List.of();
        while (System.nanoTime() < deadline) {
            answers = cluster.running().stream().map(m -> get(m, path)).toList();
            if (answers.stream().distinct().count() == 1 && !answers.get(0).contains("/short")) {
                return answers.get(0);
            }
            sleep(200);
        }
        fail("the members did not converge on " + path + ": " + answers + "\n" + cluster.logTails());
        return "";
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("within 10 s: " + what);
            }
            sleep(100);
        }
    }

    private static String get(ClusterMember m, String path) {
        HttpResponse<String> r = send(m, "GET", path, null);
        return r.statusCode() + " index " + r.headers().firstValue("x-etcd-index").orElse("?") + " " + r.body();
    }

    private static HttpResponse<String> send(ClusterMember m, String method, String path, String form) {
        return send(m, method, path, form, "application/x-www-form-urlencoded");
    }

    private static int unusedPort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static HttpResponse<String> send(ClusterMember m, String method, String path, String body, String type) {
        URI uri = m.clientUrl().resolve(path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", type);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(method + " " + uri + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
