package io.kvorum.consensus.raft.node;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.consensus.raft.wal.WalDamage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member whose WAL holds a damaged record refuses to start, until the operator asks for the repair. */
class RaftNodeWalRepairTest {
    @TempDir
    Path dir;

    @Test
    void aDamagedLastRecordStopsTheStartNamingFileOffsetAndTheRepairOptionWhichThenCutsTheLog() throws Exception {
        long id = LocalCluster.member(1).id();
        try (LocalCluster c = new LocalCluster(dir, 1, 10_000, Map.of())) {
            c.start(id);
            c.proposeAndAwait(id, "a");
            c.proposeAndAwait(id, "b");
            c.stop(id);
            WalDamage.Flipped flipped = WalDamage.flipByteInLastRecord(c.directory(id).resolve("wal"));
            IOException e = assertThrows(IOException.class, () -> c.start(id));
            String message = e.getMessage();
            assertTrue(message.contains(flipped.segment().toString()), message);
            assertTrue(message.contains("byte offset " + flipped.recordOffset()), message);
            assertTrue(message.contains("--consensus-opt wal-repair=true"), message);
        }
        try (LocalCluster c = new LocalCluster(dir, 1, 10_000, Map.of("wal-repair", "true"))) {
            c.start(id);
            c.proposeAndAwait(id, "c");
            assertTrue(c.machines.get(id).payloads().contains("a"), "the entries before the damaged record are kept");
        }
    }
}
