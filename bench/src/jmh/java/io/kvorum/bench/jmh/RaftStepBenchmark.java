package io.kvorum.bench.jmh;

import io.kvorum.consensus.raft.core.Encoding;
import io.kvorum.consensus.raft.core.EntryType;
import io.kvorum.consensus.raft.core.LogEntry;
import io.kvorum.consensus.raft.core.MemoryStorage;
import io.kvorum.consensus.raft.core.RaftConfig;
import io.kvorum.consensus.raft.core.RawNode;
import io.kvorum.consensus.raft.core.Ready;
import io.kvorum.consensus.raft.core.StateRole;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The Raft core alone, on a single voter that leads: a proposal, its Ready (the new entry, then
 * the same entry committed), stored in memory and advanced, which is the core's share of every
 * write. No disk and no network.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RaftStepBenchmark {

    private MemoryStorage storage;
    private RawNode node;
    private final byte[] data = new byte[300];
    private long applied;
    private long compacted;

    @Setup(Level.Trial)
    public void lead() {
        storage = new MemoryStorage();
        node = new RawNode(new RaftConfig(1, 10, 1, storage, 0, 1 << 20, 256, true, true, new Random(1)));
        node.bootstrap(List.of(1L));
        drain();
        node.campaign();
        for (int i = 0; i < 100 && node.status().softState().role() != StateRole.LEADER; i++) {
            drain();
        }
        if (node.status().softState().role() != StateRole.LEADER) {
            throw new IllegalStateException("the single voter did not become leader");
        }
    }

    @Benchmark
    public long proposeAndCommit() {
        node.propose(data);
        drain();
        if (applied - compacted >= 10_000) {
            // as the server does after a snapshot: the log in memory stays bounded
            compacted = applied - 1_000;
            storage.createSnapshot(compacted, node.confState(), new byte[0]);
            storage.compact(compacted);
        }
        return applied;
    }

    private void drain() {
        while (node.hasReady()) {
            Ready rd = node.ready();
            if (!rd.hardState().isEmpty()) {
                storage.setHardState(rd.hardState());
            }
            storage.append(rd.entries());
            for (LogEntry e : rd.committedEntries()) {
                if (e.type() == EntryType.CONF_CHANGE) {
                    node.applyConfChange(Encoding.decodeConfChange(e.data()));
                }
            }
            if (!rd.committedEntries().isEmpty()) {
                applied = rd.committedEntries().get(rd.committedEntries().size() - 1).index();
            }
            node.advance(rd);
        }
    }
}
