package io.kvorum.server.mvcc;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.WriteBatch;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * Works off committed compactions on its own thread, as etcd's compaction scheduler does: first
 * compacts the index, key by key, each under that key's lock, so the apply thread waits on at most
 * one key; then deletes the records dropped from it, one bounded batch per backend commit with a
 * pause in between, so the apply thread never waits on more than one small batch. The last batch of
 * a compaction records {@code finishedCompactRev}.
 *
 * <p>Jobs run in the order submitted. A job cut short (close, backend error) is redone at the next
 * open, which compacts the rebuilt index again and finds the same records.
 */
final class Compactor implements AutoCloseable {

    private record Job(long revision, RevisionList dropped, CompletableFuture<Void> done) {
    }

    private static final Job STOP = new Job(-1, new RevisionList(), new CompletableFuture<>());

    private final Backend backend;
    private final TreeIndex index;
    private final Lock commitLock;
    private final MvccConfig config;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    /** Counted down by close; also what a pause waits on, so close never interrupts backend I/O. */
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Thread worker;
    private volatile CompletableFuture<Void> latest = CompletableFuture.completedFuture(null);
    /** Tests only: runs on this thread after each {@link TreeIndex#CHUNK} keys of an index compaction. */
    volatile Runnable afterIndexChunk = () -> { };

    /** @param commitLock held around every backend commit: the backend sees one committer at a time */
    Compactor(Backend backend, TreeIndex index, Lock commitLock, MvccConfig config) {
        this.backend = backend;
        this.index = index;
        this.commitLock = commitLock;
        this.config = config;
        this.worker = new Thread(this::work, "mvcc-compactor");
        worker.setDaemon(true);
        worker.start();
    }

    /**
     * Compacts the index at {@code revision}, adding what it drops to {@code dropped} (which may
     * hold records dropped already, by a compaction at open), deletes {@code dropped}, then records
     * {@code revision} as finished; completes {@code done}. Call it once reads below {@code revision}
     * fail.
     */
    void submit(long revision, RevisionList dropped, CompletableFuture<Void> done) {
        latest = done;
        if (closing.getCount() == 0) {
            done.completeExceptionally(closedBeforeDone());
            return;
        }
        queue.add(new Job(revision, dropped, done));
    }

    /** Completes when every job submitted so far has ended. */
    CompletableFuture<Void> latest() {
        return latest;
    }

    private void work() {
        try {
            for (Job job = queue.take(); job != STOP; job = queue.take()) {
                try {
                    if (run(job)) {
                        job.done().complete(null);
                    } else {
                        job.done().completeExceptionally(closedBeforeDone());
                    }
                } catch (IOException | RuntimeException e) {
                    job.done().completeExceptionally(e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Job job; (job = queue.poll()) != null; ) {
            job.done().completeExceptionally(closedBeforeDone());
        }
    }

    /** @return false when closed before the job was done */
    private boolean run(Job job) throws IOException, InterruptedException {
        RevisionList dropped = job.dropped();
        long indexStarted = System.nanoTime();
        boolean indexCompacted = index.compact(job.revision(), dropped, () -> {
            afterIndexChunk.run();
            return closing.getCount() > 0;
        });
        if (!indexCompacted) {
            return false;
        }
        config.metrics().indexPause().observe((System.nanoTime() - indexStarted) / 1e6);
        int next = 0;
        while (true) {
            if (closing.getCount() == 0) {
                return false;
            }
            int end = Math.min(dropped.size(), next + config.compactionBatchLimit());
            boolean last = end == dropped.size();
            int from = next;
            try (WriteBatch batch = backend.newBatch()) {
                for (; next < end; next++) {
                    batch.delete(Bucket.KEY, dropped.recordKey(next));
                }
                if (last) {
                    batch.put(Bucket.META, MetaBucket.key(MetaBucket.FINISHED_COMPACT_REVISION),
                            MetaBucket.encodeCompactRevision(job.revision()));
                }
                long paused = System.nanoTime();
                commitLock.lock();
                try {
                    // durable, so that no later batch survives a crash that an earlier one did not:
                    // losing a put's deletion but keeping its tombstone's would bring the key back
                    backend.commit(batch, true);
                } finally {
                    commitLock.unlock();
                }
                config.metrics().dbPause().observe((System.nanoTime() - paused) / 1e6);
                config.metrics().keys().inc(end - from);
            }
            if (last) {
                return true;
            }
            if (closing.await(config.compactionBatchInterval().toNanos(), TimeUnit.NANOSECONDS)) {
                return false;
            }
        }
    }

    private static CancellationException closedBeforeDone() {
        return new CancellationException("mvcc: store closed before the compaction was done");
    }

    /** Stops after the batch in progress; unfinished compactions are redone at the next open. */
    @Override
    public void close() {
        closing.countDown();
        queue.add(STOP);
        boolean interrupted = false;
        while (worker.isAlive()) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
