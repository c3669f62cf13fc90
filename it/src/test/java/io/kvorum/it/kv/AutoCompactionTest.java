package io.kvorum.it.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.ServerProcess;
import io.kvorum.it.server.ServerSpec;
import io.kvorum.it.server.Target;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Auto-compaction on schedule, seen as a client sees it: a read at a revision older than the
 * retention starts failing with "required revision has been compacted" by itself, while the
 * revisions the retention keeps stay readable.
 */
class AutoCompactionTest {
    private static final String COMPACTED = "Error: etcdserver: mvcc: required revision has been compacted";

    private final Etcdctl etcdctl = Etcdctl.require();

    @Test
    void periodicModeCompactsToTheRevisionOfOneRetentionAgo() throws InterruptedException {
        // 2s: samples every 200 ms; compacts first after 2 s at the revision sampled at start,
        // then every 2 s at the revision of about 2 s before
        ServerSpec spec = ServerSpec.fresh("auto-compaction-periodic",
                "--auto-compaction-mode=periodic", "--auto-compaction-retention=2s");
        try (ServerProcess server = Target.current().start(spec)) {
            putThreeVersions(server);
            awaitCompacted(server, "2", Duration.ofSeconds(15));
            assertEquals("k\nv3\n", get(server, "k", "--rev", "4").stdout(), "what the retention keeps stays readable");
        } finally {
            spec.deleteData();
        }
    }

    /** etcd's revision compactor wakes every five minutes: opt in with -Dkvorum.it.excluded.groups=. */
    @Test
    @Tag("auto-compaction-revision")
    @Timeout(value = 7, unit = TimeUnit.MINUTES)
    void revisionModeCompactsEveryFiveMinutesKeepingTheRetention() throws InterruptedException {
        ServerSpec spec = ServerSpec.fresh("auto-compaction-revision",
                "--auto-compaction-mode=revision", "--auto-compaction-retention=2");
        try (ServerProcess server = Target.current().start(spec)) {
            putThreeVersions(server); // revisions 2, 3, 4
            run(server, "put", "other", "x"); // 5: the compactor compacts at 5 - 2 = 3
            awaitCompacted(server, "2", Duration.ofMinutes(6));
            assertEquals("k\nv2\n", get(server, "k", "--rev", "3").stdout());
        } finally {
            spec.deleteData();
        }
    }

    private void putThreeVersions(ServerProcess server) {
        for (String v : List.of("v1", "v2", "v3")) {
            assertEquals("OK\n", run(server, "put", "k", v).stdout());
        }
    }

    /** Reads {@code k} at {@code revision} until that fails as compacted, or the time is up. */
    private void awaitCompacted(ServerProcess server, String revision, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        Etcdctl.Result read = get(server, "k", "--rev", revision);
        while (read.exitCode() == 0 && System.nanoTime() - deadline < 0) {
            Thread.sleep(200);
            read = get(server, "k", "--rev", revision);
        }
        String[] lines = read.stderr().strip().split("\n");
        assertEquals(COMPACTED, lines[lines.length - 1], "revision " + revision + " not compacted within " + within
                + "; last read printed: " + read.stdout() + read.stderr());
    }

    private Etcdctl.Result get(ServerProcess server, String... args) {
        return run(server, concat("get", args));
    }

    private Etcdctl.Result run(ServerProcess server, String... args) {
        return etcdctl.run(server.clientUrl(), List.of(args), "");
    }

    private static String[] concat(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
