package io.kvorum.consensus.raft.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.consensus.raft.core.EntryType;
import io.kvorum.consensus.raft.core.HardState;
import io.kvorum.consensus.raft.core.LogEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power cuts at random points of a stream of appends (some synced, some not, across segments):
 * the log opens every time, repairing what the cut tore, and holds every entry and hard state
 * whose append had synced when the power went. Each seed reproduces its run.
 */
class WalPowerLossTest {
    private static final long SEGMENT = 4096;
    private static final int SEEDS = 60;
    private static final int CUTS_PER_SEED = 4;

    @TempDir
    Path root;

    @Test
    void afterACutThatKeepsAPrefixOfTheUnsyncedWritesNothingSyncedIsLostAndTheLogOpens() throws IOException {
        long lost = 0;
        for (long seed = 1; seed <= SEEDS; seed++) {
            lost += run(seed, PowerLossFiles.Loss.PREFIX);
        }
        assertTrue(lost > 0, "the cuts lost unsynced writes");
    }

    @Test
    void afterACutThatLosesEveryUnsyncedWriteNothingSyncedIsLostAndTheLogOpens() throws IOException {
        for (long seed = 1; seed <= SEEDS / 4; seed++) {
            run(seed, PowerLossFiles.Loss.ALL);
        }
    }

    /** Returns the unsynced bytes the cuts lost. */
    private long run(long seed, PowerLossFiles.Loss loss) throws IOException {
        Path dir = Files.createDirectories(root.resolve(loss + "-" + seed));
        Random random = new Random(seed);
        PowerLossFiles disk = new PowerLossFiles(seed);
        List<LogEntry> synced = new ArrayList<>();
        HardState syncedState = HardState.EMPTY;
        long torn = 0;
        for (int cut = 0; cut < CUTS_PER_SEED; cut++) {
            Wal wal = Wal.open(dir, SEGMENT, false, disk);
            String where = "seed " + seed + ", " + loss + ", after cut " + cut;
            Wal.Recovered r = wal.recovered();
            assertTrue(r.entries().size() >= synced.size(), where + ": " + r.entries().size() + " entries, "
                    + synced.size() + " synced");
            assertEquals(synced, r.entries().subList(0, synced.size()), where);
            assertTrue(r.hardState().commit() >= syncedState.commit(), where + ": " + r.hardState() + " after "
                    + syncedState);
            List<LogEntry> written = new ArrayList<>(r.entries());
            int appends = 1 + random.nextInt(60);
            for (int i = 0; i < appends; i++) {
                long next = written.size() + 1L;
                List<LogEntry> batch = new ArrayList<>();
                for (int n = random.nextInt(5); n >= 0; n--) {
                    byte[] data = new byte[random.nextInt(random.nextInt(10) == 0 ? 1500 : 80)];
                    random.nextBytes(data);
                    batch.add(new LogEntry(1, next++, EntryType.NORMAL, data));
                }
                HardState state = new HardState(1, 1, next - 1);
                boolean sync = random.nextInt(3) > 0;
                wal.append(batch, state, sync);
                written.addAll(batch);
                if (sync) {
                    synced = List.copyOf(written);
                    syncedState = state;
                }
            }
            torn += disk.cut(loss);
            try {
                wal.close();
            } catch (IOException expected) {
                // the power is off: the sync in close fails
            }
        }
        try (Wal wal = Wal.open(dir, SEGMENT, false, disk)) {
            assertEquals(synced, wal.recovered().entries().subList(0, synced.size()), "seed " + seed);
        }
        return torn;
    }
}
