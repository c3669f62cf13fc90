package io.kvorum.backend.rocksdb;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendSnapshot;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.WriteBatch;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * What shipping a snapshot of a large store costs the commits going on meanwhile, the old way and
 * the new. Opt-in, as it writes some 220 MB and takes a minute:
 * {@code mvn -pl backend-rocksdb -am test -Dtest=SnapshotStallBench -Dsurefire.failIfNoSpecifiedTests=false
 * -Dkvorum.snapshot.bench=true}.
 *
 * <p>A writer thread plays the apply loop: every {@value #INTERVAL_MICROS} µs it commits a batch
 * like an applied one (a few records and the consistent index, not synced), on a fixed schedule,
 * and a commit's latency counts from when it was due, so time spent waiting is counted for every
 * commit that waited. Old way: the image is written with {@link Backend#snapshot} while applying
 * is held back, as the consensus does around {@code StateMachine.writeSnapshot}. New way: the
 * snapshot is opened between two commits and written on this thread while the writer goes on.
 * Figures are printed, never asserted.
 */
@EnabledIfSystemProperty(named = "kvorum.snapshot.bench", matches = "true")
class SnapshotStallBench {
    private static final int KEYS = 800_000;
    private static final int VALUE_BYTES = 256;
    private static final int LOAD_BATCH = 10_000;
    private static final long INTERVAL_MICROS = 2_000;
    private static final int PUTS_PER_COMMIT = 8;

    @TempDir
    Path directory;

    @Test
    void shippingASnapshotWithoutHoldingBackCommits() throws Exception {
        try (Backend backend = TestBackends.open(directory.resolve("store"), Map.of(), Bucket.KEY, Bucket.META)) {
            long loading = System.nanoTime();
            load(backend);
            System.out.printf("loaded %d keys of %d bytes in %.1f s; backend size %d MB%n", KEYS, VALUE_BYTES,
                    seconds(System.nanoTime() - loading), backend.size() >> 20);
            backend.defragment(); // so that the compactions of the load do not fall into the first run

            ReentrantLock applying = new ReentrantLock();
            for (String way : new String[] {"none", "old", "new", "old", "new"}) {
                Path image = directory.resolve("image-" + way);
                try (Writer writer = new Writer(backend, applying)) {
                    Thread.sleep(1_000);
                    long start = System.nanoTime();
                    long opened = start;
                    switch (way) {
                        case "none" -> Thread.sleep(5_000);
                        case "old" -> {
                            applying.lock();
                            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(image), 1 << 16)) {
                                backend.snapshot(out);
                            } finally {
                                applying.unlock();
                            }
                        }
                        default -> {
                            BackendSnapshot snapshot;
                            applying.lock(); // between two applied batches, as the consensus driver opens it
                            try {
                                snapshot = backend.openSnapshot();
                                opened = System.nanoTime();
                            } finally {
                                applying.unlock();
                            }
                            try (snapshot; OutputStream out = new BufferedOutputStream(Files.newOutputStream(image), 1 << 16)) {
                                snapshot.writeTo(out);
                            }
                        }
                    }
                    long end = System.nanoTime();
                    Thread.sleep(200);
                    long[] latencies = writer.latenciesDueBetween(start, end);
                    System.out.printf("%-4s open %8.3f ms  write %6.2f s  image %4d MB  commits due meanwhile %5d"
                                    + "  latency p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms%n",
                            way, (opened - start) / 1e6, seconds(end - opened),
                            Files.exists(image) ? Files.size(image) >> 20 : 0, latencies.length,
                            percentile(latencies, 0.50), percentile(latencies, 0.99), percentile(latencies, 1.0));
                    assertTrue(latencies.length > 0, "the writer committed while " + way + " ran");
                }
                Files.deleteIfExists(image);
            }
        }
    }

    private static void load(Backend backend) throws IOException {
        Random random = new Random(1);
        for (int first = 0; first < KEYS; first += LOAD_BATCH) {
            try (WriteBatch batch = backend.newBatch()) {
                for (int i = first; i < first + LOAD_BATCH; i++) {
                    byte[] value = new byte[VALUE_BYTES];
                    random.nextBytes(value);
                    batch.put(Bucket.KEY, key(i), value);
                }
                backend.commit(batch, false);
            }
        }
    }

    private static byte[] key(long revision) {
        return ByteBuffer.allocate(17).putLong(revision).put((byte) '_').putLong(0).array();
    }

    /** The apply loop's stand-in: commits on a fixed schedule and records each commit's latency from when it was due. */
    private static final class Writer implements AutoCloseable {
        private static final byte[] CONSISTENT_INDEX = "consistent_index".getBytes(US_ASCII);
        private final Backend backend;
        private final ReentrantLock applying;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;
        /** Written by the writer thread, read after it has been joined or while it runs (only whole entries). */
        private final long[] due = new long[1 << 20];
        private final long[] latency = new long[1 << 20];
        private volatile int count;
        private volatile Throwable failure;

        Writer(Backend backend, ReentrantLock applying) {
            this.backend = backend;
            this.applying = applying;
            this.thread = new Thread(this::run, "bench-apply");
            thread.start();
        }

        private void run() {
            Random random = new Random(2);
            long next = System.nanoTime();
            long revision = KEYS;
            try {
                while (!stop.get() && count < due.length) {
                    long now = System.nanoTime();
                    if (now < next) {
                        TimeUnit.NANOSECONDS.sleep(next - now);
                        continue;
                    }
                    applying.lock();
                    try (WriteBatch batch = backend.newBatch()) {
                        for (int i = 0; i < PUTS_PER_COMMIT; i++) {
                            byte[] value = new byte[VALUE_BYTES];
                            random.nextBytes(value);
                            batch.put(Bucket.KEY, key(++revision), value);
                        }
                        batch.put(Bucket.META, CONSISTENT_INDEX, ByteBuffer.allocate(8).putLong(revision).array());
                        backend.commit(batch, false);
                    } finally {
                        applying.unlock();
                    }
                    due[count] = next;
                    latency[count] = System.nanoTime() - next;
                    count++;
                    next += TimeUnit.MICROSECONDS.toNanos(INTERVAL_MICROS);
                }
            } catch (IOException | RuntimeException e) {
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** The latencies of the commits due in [{@code from}, {@code to}], done by now. */
        long[] latenciesDueBetween(long from, long to) {
            int n = count;
            long[] chosen = new long[n];
            int k = 0;
            for (int i = 0; i < n; i++) {
                if (due[i] >= from && due[i] <= to) {
                    chosen[k++] = latency[i];
                }
            }
            return Arrays.copyOf(chosen, k);
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            thread.join();
            if (failure != null) {
                throw new AssertionError("the writer failed", failure);
            }
        }
    }

    private static double percentile(long[] values, double p) {
        if (values.length == 0) {
            return Double.NaN;
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int at = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
        return sorted[Math.max(0, at)] / 1e6;
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
