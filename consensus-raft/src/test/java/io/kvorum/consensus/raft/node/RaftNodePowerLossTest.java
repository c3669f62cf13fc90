package io.kvorum.consensus.raft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.consensus.raft.wal.PowerLossFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A single member whose WAL loses its unsynced writes in a power cut, while proposals are in
 * flight: it starts again on what the disk kept, and every proposal it applied (a client's
 * answer) before the cut is applied after it.
 */
class RaftNodePowerLossTest {
    private static final int SEEDS = 5;

    @TempDir
    Path dir;

    @Test
    void aSingleMemberStartsAfterAPowerCutAndKeepsEveryProposalItAcknowledged() throws Exception {
        for (long seed = 1; seed <= SEEDS; seed++) {
            Random random = new Random(seed);
            PowerLossFiles disk = new PowerLossFiles(seed);
            long id = LocalCluster.member(1).id();
            try (LocalCluster c = new LocalCluster(dir.resolve("seed-" + seed), 1, 10_000,
                    Map.of("wal-segment-bytes", "8192"))) {
                c.walFiles.put(id, disk);
                c.start(id);
                c.proposeAndAwait(id, "first");
                int cutAfter = 50 + random.nextInt(300);
                CompletableFuture<Long> cut = null;
                long deadline = System.nanoTime() + LocalCluster.WAIT.toNanos();
                for (int i = 0; cut == null || !cut.isDone(); i++) {
                    assertTrue(System.nanoTime() - deadline < 0, "seed " + seed + ": the member synced no more");
                    c.node(id).propose(("p" + i).getBytes(StandardCharsets.UTF_8));
                    if (i == cutAfter) {
                        // In the middle of a Ready's write: its records are torn, none was applied.
                        cut = disk.cutAtNextForce(PowerLossFiles.Loss.PREFIX);
                    }
                    if (i % 16 == 0) {
                        Thread.sleep(1); // let some be applied, with others still on their way
                    }
                }
                try {
                    c.nodes.remove(id).close();
                } catch (IOException expected) {
                    // its last sync meets the cut power
                }
                // What a client was answered: the state machine applies an entry only after the
                // WAL holds it, and nothing reached the WAL after the cut.
                List<String> ackedAtCut = c.machines.get(id).payloads();
                c.machines.get(id).crash();

                c.start(id);
                c.proposeAndAwait(id, "after");
                List<String> applied = c.machines.get(id).payloads();
                String where = "seed " + seed + ", cut after " + cutAfter + " proposals, " + ackedAtCut.size()
                        + " acknowledged";
                assertTrue(applied.containsAll(ackedAtCut), where + ": applied " + applied);
                assertEquals(new HashSet<>(applied).size(), applied.size(), where + ": applied once");
                assertTrue(ackedAtCut.size() > 1, where + ": proposals were applied before the cut");
            }
        }
    }
}
