package io.kvorum.bench.jmh;

import io.kvorum.consensus.raft.core.EntryType;
import io.kvorum.consensus.raft.core.HardState;
import io.kvorum.consensus.raft.core.LogEntry;
import io.kvorum.consensus.raft.wal.Wal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One Ready's WAL write: {@code batch} entries of 300 bytes and the hard state, as one append,
 * with or without the fdatasync the Ready needs before its messages go out.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WalBenchmark {

    @Param({"1", "100"})
    public int batch;

    @Param({"false", "true"})
    public boolean sync;

    private Path directory;
    private Wal wal;
    private final byte[] data = new byte[300];
    private long index;

    @Setup(Level.Iteration)
    public void open() throws IOException {
        directory = Files.createTempDirectory("kvorum-jmh-wal");
        wal = Wal.open(directory, 64L << 20);
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        wal.close();
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Benchmark
    public long appendBatch() throws IOException {
        List<LogEntry> entries = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            entries.add(new LogEntry(1, ++index, EntryType.NORMAL, data));
        }
        wal.append(entries, new HardState(1, 1, index), sync);
        return index;
    }
}
