package io.kvorum.tck.consensus;

import io.kvorum.spi.consensus.ClusterSpec;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusContext;
import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.ConsensusProvider;
import io.kvorum.spi.consensus.ConsensusStatus;
import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.consensus.Member;
import io.kvorum.spi.consensus.StateMachine;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A single-member consensus for the TCK's self-test whose log is a file in its directory: it
 * applies without asking the state machine for durability and replays its log after the state
 * machine's applied index on start. Correct as {@link Defect#NONE}; each other defect breaks one
 * promise of the SPI.
 */
final class FileLogConsensus implements Consensus {

    enum Defect {
        NONE,
        /** Every 100th proposal is logged and delivered twice, at two indexes. */
        DUPLICATES_A_PROPOSAL,
        /** Proposals 7, 57, 107… are each delivered after the one proposed next. */
        REORDERS,
        /** The last batch logged never reaches the file at close, though it was applied. */
        LOSES_LAST_BATCH_AT_CLOSE,
        /** The read index is where the log ended before the batch last delivered. */
        STALE_READ_INDEX,
        /** Proposals after close are accepted (and dropped). */
        ACCEPTS_AFTER_CLOSE
    }

    static ConsensusProvider provider(Defect defect) {
        return new ConsensusProvider() {
            @Override
            public String name() {
                return "tck-file-log";
            }

            @Override
            public Consensus create(ConsensusContext context) {
                if (!context.options().asMap().isEmpty()) {
                    throw new IllegalArgumentException("unknown options " + context.options().asMap().keySet());
                }
                return new FileLogConsensus(context, defect);
            }
        };
    }

    private final ClusterSpec cluster;
    private final StateMachine stateMachine;
    private final Path log;
    private final Defect defect;

    /** Guarded by this. */
    private List<byte[]> queue = new ArrayList<>();
    private boolean closed;
    private long proposals;
    private byte[] heldBack;

    private volatile long term;
    private volatile long lastIndex;
    private volatile long lastIndexBeforeBatch;
    private long lastBatchStart;
    private Thread applyThread;

    private FileLogConsensus(ConsensusContext context, Defect defect) {
        this.cluster = context.cluster();
        this.stateMachine = context.stateMachine();
        this.log = context.directory().resolve("log");
        this.defect = defect;
    }

    @Override
    public void start() throws IOException {
        List<Entry> logged = read();
        long lastTerm = logged.isEmpty() ? 0 : logged.get(logged.size() - 1).term();
        lastIndex = logged.isEmpty() ? 0 : logged.get(logged.size() - 1).index();
        term = Math.max(lastTerm, stateMachine.appliedTerm()) + 1;
        List<Entry> replay = logged.stream().filter(e -> e.index() > stateMachine.appliedIndex()).toList();
        if (!replay.isEmpty()) {
            stateMachine.apply(replay, false);
        }
        synchronized (this) {
            queue.add(new byte[0]);
        }
        applyThread = new Thread(this::applyLoop, "tck-file-log-apply");
        applyThread.setDaemon(true);
        applyThread.start();
    }

    @Override
    public synchronized CompletableFuture<Void> propose(byte[] data) {
        if (closed && defect != Defect.ACCEPTS_AFTER_CLOSE) {
            return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.STOPPED, "stopped"));
        }
        if (closed) {
            return CompletableFuture.completedFuture(null);
        }
        proposals++;
        if (defect == Defect.REORDERS && proposals % 50 == 7) {
            heldBack = data.clone();
        } else {
            queue.add(data.clone());
            if (defect == Defect.DUPLICATES_A_PROPOSAL && proposals % 100 == 0) {
                queue.add(data.clone());
            }
            if (heldBack != null) {
                queue.add(heldBack);
                heldBack = null;
            }
        }
        notifyAll();
        return CompletableFuture.completedFuture(null);
    }

    private void applyLoop() {
        while (true) {
            List<byte[]> batch;
            synchronized (this) {
                while (queue.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (queue.isEmpty()) {
                    return;
                }
                batch = queue;
                queue = new ArrayList<>();
            }
            List<Entry> entries = new ArrayList<>();
            long index = lastIndex;
            for (byte[] data : batch) {
                entries.add(new Entry(++index, term, data));
            }
            try {
                append(entries);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            lastIndexBeforeBatch = lastIndex;
            lastBatchStart = entries.get(0).index();
            lastIndex = index;
            stateMachine.apply(entries, false);
        }
    }

    @Override
    public CompletableFuture<Long> readIndex() {
        return CompletableFuture.completedFuture(defect == Defect.STALE_READ_INDEX ? lastIndexBeforeBatch : lastIndex);
    }

    @Override
    public ConsensusStatus status() {
        long self = cluster.self().id();
        return new ConsensusStatus(self, cluster.clusterId(), self, term, lastIndex, stateMachine.appliedIndex(), false);
    }

    @Override
    public List<Member> members() {
        return List.of(cluster.self());
    }

    @Override
    public CompletableFuture<Member> addMember(List<String> peerUrls, boolean learner) {
        return unsupported();
    }

    @Override
    public CompletableFuture<Void> removeMember(long memberId) {
        return unsupported();
    }

    @Override
    public CompletableFuture<Void> updateMember(long memberId, List<String> peerUrls) {
        return unsupported();
    }

    @Override
    public CompletableFuture<Void> promoteMember(long memberId) {
        return unsupported();
    }

    @Override
    public CompletableFuture<Void> transferLeadership(long targetMemberId) {
        return targetMemberId == cluster.self().id() ? CompletableFuture.completedFuture(null)
                : CompletableFuture.failedFuture(new ConsensusException(
                        ConsensusException.Reason.BAD_LEADER_TRANSFEREE, "not a member"));
    }

    private static <T> CompletableFuture<T> unsupported() {
        return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.UNSUPPORTED, "one member"));
    }

    @Override
    public boolean logIsDurable() {
        return true;
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
        }
        if (applyThread != null) {
            try {
                applyThread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (defect == Defect.LOSES_LAST_BATCH_AT_CLOSE && lastBatchStart > 0) {
                List<Entry> kept = read().stream().filter(e -> e.index() < lastBatchStart).toList();
                Files.delete(log);
                append(kept);
            }
        }
    }

    private void append(List<Entry> entries) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(log,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)))) {
            for (Entry e : entries) {
                out.writeLong(e.index());
                out.writeLong(e.term());
                out.writeInt(e.data().length);
                out.write(e.data());
            }
        }
    }

    private List<Entry> read() throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (!Files.exists(log)) {
            return entries;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(log)))) {
            while (true) {
                long index;
                try {
                    index = in.readLong();
                } catch (EOFException end) {
                    return entries;
                }
                long term = in.readLong();
                byte[] data = new byte[in.readInt()];
                in.readFully(data);
                entries.add(new Entry(index, term, data));
            }
        }
    }
}
