package io.kvorum.it.cluster;

import static io.kvorum.it.client.Jetcd.await;
import static io.kvorum.it.client.Jetcd.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.Auth;
import io.etcd.jetcd.Client;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code --experimental-initial-corrupt-check}: a member whose stored data was altered while it was
 * down (a value changed in its backend, as a damaged disk would) compares its HashKV with its
 * peers' at start, finds the mismatch and refuses to start, as etcd does; with auth enabled too,
 * since the peers are asked over the peer port, as etcd asks their {@code /members/hashkv}.
 */
@Tag("cluster")
class InitialCorruptCheckTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void aMemberWhoseBackendWasAlteredOfflineIsRefusedAtStart() throws Exception {
        Assumptions.assumeTrue(Target.current() == Target.KVORUM, "alters kvorum's sqlite backend offline");
        try (Cluster cluster = Cluster.start("cluster-corrupt-check", 3, "--backend", "sqlite",
                "--experimental-initial-corrupt-check")) {
            ClusterMember leader = cluster.awaitLeader(TIMEOUT);
            for (int i = 0; i < 20; i++) {
                leader.probe().kv().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("corrupt/" + i))
                        .setValue(ByteString.copyFromUtf8("value " + i)).build());
            }
            long revision = Convergence.awaitSameRevision(cluster, TIMEOUT);
            ClusterMember damaged = cluster.followers().get(0);
            damaged.stop();

            // The same restart refuses nothing while the data is intact...
            damaged.restart();
            assertTrue(damaged.allLogs().contains("initial corruption checking passed"), damaged.logTail());
            assertEquals(revision, Convergence.awaitSameRevision(cluster, TIMEOUT));
            damaged.stop();

            // ...and refuses the start once one stored value differs from what the log wrote.
            alterNewestRecord(damaged.dataDir().resolve("member").resolve("db").resolve("kvorum.db"));
            damaged.startAgain();
            assertTrue(damaged.awaitExit(TIMEOUT), "the damaged member must refuse to start: " + damaged.logTail());
            assertEquals(1, damaged.exitValue(), damaged.logTail());
            assertTrue(damaged.allLogs().contains("found data inconsistency with peers"), damaged.logTail());
        }
    }

    @Test
    void withAuthEnabledTheMemberIsStillRefusedAtStart() throws Exception {
        Assumptions.assumeTrue(Target.current() == Target.KVORUM, "alters kvorum's sqlite backend offline");
        try (Cluster cluster = Cluster.start("cluster-corrupt-check-auth", 3, "--backend", "sqlite",
                "--experimental-initial-corrupt-check")) {
            ClusterMember leader = cluster.awaitLeader(TIMEOUT);
            try (Client admin = Client.builder().endpoints(leader.clientUrl()).build()) {
                Auth auth = admin.getAuthClient();
                await(auth.userAdd(bytes("root"), bytes("rootpw")));
                await(auth.roleAdd(bytes("root")));
                await(auth.userGrantRole(bytes("root"), bytes("root")));
                await(auth.authEnable());
            }
            try (Client root = Client.builder().endpoints(leader.clientUrl()).user(bytes("root"))
                    .password(bytes("rootpw")).build()) {
                for (int i = 0; i < 20; i++) {
                    await(root.getKVClient().put(bytes("corrupt/" + i), bytes("value " + i)));
                }
            }
            long revision = awaitSameStatusRevision(cluster);
            ClusterMember damaged = cluster.followers().get(0);
            damaged.stop();

            // (its first start asked peers that were not up yet)
            long failedBefore = occurrences(damaged.allLogs(), "failed hash kv request");
            long passedBefore = occurrences(damaged.allLogs(), "initial corruption checking passed");
            damaged.restart();
            String logs = damaged.allLogs();
            assertEquals(passedBefore + 1, occurrences(logs, "initial corruption checking passed"), damaged.logTail());
            assertEquals(failedBefore, occurrences(logs, "failed hash kv request"),
                    "every peer answered, auth or not: " + damaged.logTail());
            assertEquals(revision, awaitSameStatusRevision(cluster));
            damaged.stop();

            alterNewestRecord(damaged.dataDir().resolve("member").resolve("db").resolve("kvorum.db"));
            damaged.startAgain();
            assertTrue(damaged.awaitExit(TIMEOUT), "the damaged member must refuse to start: " + damaged.logTail());
            assertEquals(1, damaged.exitValue(), damaged.logTail());
            assertTrue(damaged.allLogs().contains("found data inconsistency with peers"), damaged.logTail());
        }
    }

    private static long occurrences(String text, String part) {
        return text.lines().filter(l -> l.contains(part)).count();
    }

    /**
     * The revision every running member's Status reports once they agree (Status needs no token
     * when auth is on; the reads {@link Convergence} makes do).
     */
    private static long awaitSameStatusRevision(Cluster cluster) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            Set<Long> revisions = new HashSet<>();
            for (ClusterMember m : cluster.running()) {
                revisions.add(m.status().map(s -> s.getHeader().getRevision()).orElse(-1L));
            }
            if (revisions.size() == 1 && !revisions.contains(-1L)) {
                return revisions.iterator().next();
            }
            assertTrue(System.nanoTime() < deadline, "the members did not reach one revision: " + revisions);
            ManagedProcess.pause(50);
        }
    }

    /** Changes the value of the newest record in the {@code key} bucket; the record still decodes. */
    private static void alterNewestRecord(Path db) throws Exception {
        assertTrue(Files.exists(db), "no sqlite database at " + db);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            byte[] key;
            byte[] record;
            try (PreparedStatement newest = c.prepareStatement("SELECT e.key, e.value FROM entry e JOIN bucket b"
                    + " ON e.bucket = b.id WHERE b.name = 'key' ORDER BY e.key DESC LIMIT 1");
                    ResultSet row = newest.executeQuery()) {
                assertTrue(row.next(), "no record in the key bucket");
                key = row.getBytes(1);
                record = row.getBytes(2);
            }
            KeyValue kv = KeyValue.parseFrom(record);
            byte[] altered = kv.toBuilder().setValue(ByteString.copyFromUtf8("altered")).build().toByteArray();
            try (PreparedStatement update = c.prepareStatement("UPDATE entry SET value = ? WHERE key = ?"
                    + " AND bucket = (SELECT id FROM bucket WHERE name = 'key')")) {
                update.setBytes(1, altered);
                update.setBytes(2, key);
                assertEquals(1, update.executeUpdate());
            }
        }
    }
}
