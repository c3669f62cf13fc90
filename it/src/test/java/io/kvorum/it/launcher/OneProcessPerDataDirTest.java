package io.kvorum.it.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.ServerSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A second kvorum on a data directory in use exits 1 naming the directory and the pid of the
 * process that has it; the first serves on. (etcd waits for the holder instead, warning that
 * "another etcd process is using" the directory; kvorum refuses at once.)
 */
class OneProcessPerDataDirTest {

    @BeforeAll
    static void onlyForTheDistribution() {
        assumeTrue(!"etcd".equals(System.getProperty("kvorum.it.target")), "kvorum's own refusal");
    }

    @Test
    void aSecondProcessOnTheSameDataDirExitsOneNamingTheDirectoryAndTheHolder() throws Exception {
        ServerSpec spec = ServerSpec.fresh("data-dir-lock");
        try (KvorumProcess first = KvorumProcess.start(spec)) {
            int peerPort = FreePorts.pick();
            ManagedProcess second = ManagedProcess.start("kvorum-second", List.of(
                    KvorumProcess.home().resolve("bin/kvorum").toString(),
                    "--name", "second",
                    "--data-dir", spec.dataDir().toString(),
                    "--listen-client-urls", "http://127.0.0.1:0", "--advertise-client-urls", "http://127.0.0.1:0",
                    "--listen-peer-urls", "http://127.0.0.1:" + peerPort,
                    "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort,
                    "--initial-cluster", "second=http://127.0.0.1:" + peerPort),
                    spec.workDir().resolve("second-" + System.nanoTime()), Map.of());
            try {
                assertTrue(second.waitFor(Duration.ofSeconds(60)), "the second process did not exit");
                assertEquals(1, second.exitValue(), second.tail(20));
                String err = second.stderrText();
                assertTrue(err.contains("is using data directory \"" + spec.dataDir() + "\""), err);
                assertTrue(err.contains("(pid " + first.pid() + ")"), err);
            } finally {
                second.kill();
            }

            assertTrue(first.isAlive());
            try (Client client = Client.builder().endpoints(first.clientUrl().toString()).build()) {
                ByteSequence key = ByteSequence.from("k", StandardCharsets.UTF_8);
                client.getKVClient().put(key, key).get(30, TimeUnit.SECONDS);
                assertEquals(1, client.getKVClient().get(key).get(30, TimeUnit.SECONDS).getCount());
            }
        }
    }
}
