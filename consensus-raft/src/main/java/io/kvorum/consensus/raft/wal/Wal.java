package io.kvorum.consensus.raft.wal;

import io.kvorum.consensus.raft.core.Encoding;
import io.kvorum.consensus.raft.core.EncodingException;
import io.kvorum.consensus.raft.core.HardState;
import io.kvorum.consensus.raft.core.LogEntry;
import io.kvorum.consensus.raft.core.Snapshot;
import io.kvorum.spi.metrics.Buckets;
import io.kvorum.spi.metrics.Gauge;
import io.kvorum.spi.metrics.Histogram;
import io.kvorum.spi.metrics.MetricRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.stream.Stream;

/**
 * The write-ahead log of one member: a directory of segment files ({@link Segment}) holding, in
 * order, the entries, hard states and snapshot markers of each {@link io.kvorum.consensus.raft.core.Ready}.
 * Each {@link #append} is one write and, when asked, one fdatasync, so a Ready costs one sync
 * however many entries it holds.
 *
 * <p>At {@link #open}, a write torn by a crash at the end of the last segment is wiped (it was
 * never synced, so nothing it held was acknowledged; {@link Segment} says how a torn write is
 * told from a damaged one); a record that fails its check anywhere else, including a complete
 * last record, is corruption and {@link WalCorruptedException} stops the member, unless the
 * operator asks for a repair, which cuts the log at the bad record.
 *
 * <p>Not thread-safe: the thread that drives the Raft node owns it.
 */
public final class Wal implements AutoCloseable {
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;

    /**
     * What the log held when opened.
     *
     * @param hardState the last hard state written, {@link HardState#EMPTY} if none
     * @param snapshot  the last snapshot marker: index, term and configuration, no data;
     *                  {@link Snapshot#EMPTY} if none
     * @param entries   the entries after the snapshot, consecutive
     */
    public record Recovered(HardState hardState, Snapshot snapshot, List<LogEntry> entries) {
        public Recovered {
            entries = List.copyOf(entries);
        }
    }

    private static final System.Logger LOG = System.getLogger(Wal.class.getName());

    private final Path dir;
    private final long segmentBytes;
    private final SegmentFiles files;
    /** Every segment file by sequence number, the tail included. */
    private final TreeMap<Long, Path> segments = new TreeMap<>();
    private final Recovered recovered;
    private Segment tail;
    private Metrics metrics = Metrics.of(MetricRegistry.noop());
    /** The highest entry index each segment holds (absent: none). */
    private final TreeMap<Long, Long> lastIndexIn = new TreeMap<>();
    /** The segment holding the latest snapshot marker, and that snapshot's index. */
    private long snapshotSegment;
    private long snapshotIndex;
    /** The log's last entry index (or the snapshot's, when later): the next segment's name holds one past it. */
    private long lastIndex;
    /** The segments before the snapshot that {@link #open} did not read. */
    private int skipped;

    private Wal(Path dir, long segmentBytes, SegmentFiles files, Recovered recovered) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.files = files;
        this.recovered = recovered;
    }

    /**
     * Opens the log in {@code dir} on disk, refusing a corrupt one, reading every segment; see
     * {@link #open(Path, long, boolean, SegmentFiles, long)}.
     */
    public static Wal open(Path dir, long segmentBytes) throws IOException {
        return open(dir, segmentBytes, false, SegmentFiles.onDisk(), 0);
    }

    /** Opens the log reading every segment; see {@link #open(Path, long, boolean, SegmentFiles, long)}. */
    public static Wal open(Path dir, long segmentBytes, boolean repair, SegmentFiles files) throws IOException {
        return open(dir, segmentBytes, repair, files, 0);
    }

    /**
     * Opens the log in {@code dir}, creating it when there is none, and reads back what it holds.
     * A torn tail is wiped. A bad record elsewhere throws {@link WalCorruptedException}, unless
     * {@code repair}: then the log is cut at that record, and what followed it is dropped.
     *
     * <p>{@code newestSnapshot} is the index of the newest snapshot the member holds outside the
     * log (its snapshot files), 0 for none. As etcd does, reading then starts at the last segment
     * whose name's index (one past the log's last entry when the segment was created) is at most
     * one past that snapshot: every entry after the snapshot was written into it or a later
     * segment, so the ones before it hold only entries the snapshot covers, and are not read. The
     * log checks that guess: the segments read must hold the last snapshot marker written, at or
     * after that name's index less one; otherwise every segment is read after all (a snapshot file
     * whose marker a crash kept out of the log makes such a guess). A repair reads every segment.
     */
    public static Wal open(Path dir, long segmentBytes, boolean repair, SegmentFiles files, long newestSnapshot)
            throws IOException {
        if (segmentBytes < 4096) {
            throw new IllegalArgumentException("segments must be at least 4096 bytes, got " + segmentBytes);
        }
        Files.createDirectories(dir);
        TreeMap<Long, Path> found = listSegments(dir);
        if (found.isEmpty()) {
            Wal wal = new Wal(dir, segmentBytes, files, new Recovered(HardState.EMPTY, Snapshot.EMPTY, List.of()));
            wal.tail = Segment.create(files, dir, 0, 1, segmentBytes);
            wal.segments.put(0L, wal.tail.path);
            syncDirectory(dir);
            return wal;
        }
        long from = repair || newestSnapshot <= 0 ? found.firstKey() : readFrom(found, newestSnapshot);
        Read read = read(dir, found, from, repair, files);
        if (from != found.firstKey() && !read.replay.coversAllBefore(Segment.firstIndexOf(found.get(from)))) {
            LOG.log(System.Logger.Level.INFO, "the WAL holds no snapshot marker at or after {0}, the snapshot "
                    + "files'' newest, from {1} on: reading every segment", String.valueOf(newestSnapshot),
                    found.get(from).getFileName());
            from = found.firstKey();
            read = read(dir, found, from, false, files);
        }
        Wal wal = new Wal(dir, segmentBytes, files, read.replay.result());
        wal.segments.putAll(read.kept);
        wal.snapshotSegment = read.replay.snapshotSegment;
        wal.snapshotIndex = read.replay.snapshot.index();
        wal.lastIndex = read.replay.lastIndex();
        // the segments not read hold no entry after the snapshot: absent here, they may be released
        wal.lastIndexIn.putAll(read.replay.lastIndexIn);
        wal.skipped = read.kept.headMap(from, false).size();
        long tailEnd = read.bad != null ? read.badAt : read.lastScan.end();
        wal.tail = Segment.openForAppend(files, read.kept.lastEntry().getValue(), read.kept.lastKey(), tailEnd);
        if (read.bad != null) {
            wal.tail.wipe(read.badAt, read.lastScan.writtenTo());
        } else if (read.lastScan.tornTail()) {
            LOG.log(System.Logger.Level.WARNING,
                    "repaired the WAL: a record torn by a crash at byte {0} of {1} was wiped (it was never synced)",
                    read.lastScan.end(), read.kept.lastEntry().getValue().getFileName());
            wal.tail.wipe(read.lastScan.end(), read.lastScan.tornTo());
        }
        return wal;
    }

    /**
     * The last segment whose name's index is at most one past {@code snapshot} (etcd's
     * {@code searchIndex}): every entry after the snapshot was written into it or a later one.
     * Segments named without an index are read.
     */
    private static long readFrom(TreeMap<Long, Path> found, long snapshot) {
        long from = found.firstKey();
        for (Map.Entry<Long, Path> e : found.entrySet()) {
            long first = Segment.firstIndexOf(e.getValue());
            if (first >= 0 && first - 1 <= snapshot) {
                from = e.getKey();
            }
        }
        return from;
    }

    /** What reading the segments found; {@code kept}: the segments left (a repair deletes the later ones). */
    private record Read(Replay replay, TreeMap<Long, Path> kept, Segment.Scan lastScan, WalCorruptedException bad,
                        long badAt) {
    }

    /** Replays the segments from {@code from} on, in order, as {@link #open} says. */
    private static Read read(Path dir, TreeMap<Long, Path> found, long from, boolean repair, SegmentFiles files)
            throws IOException {
        Replay replay = new Replay();
        // every segment is read into one array: each one's records are replayed before the next is read
        Segment.ReadBuffer reading = new Segment.ReadBuffer();
        Segment.Scan lastScan = null;
        WalCorruptedException bad = null;
        long badAt = -1;
        for (Map.Entry<Long, Path> e : found.tailMap(from, true).entrySet()) {
            Path path = e.getValue();
            Segment.Scan scan = Segment.scan(files, path, e.getKey().equals(found.lastKey()), reading);
            lastScan = scan;
            try {
                for (Segment.Record r : scan.records()) {
                    badAt = r.offset();
                    replay.apply(e.getKey(), path, r);
                }
                if (scan.damage() != null) {
                    badAt = scan.end();
                    throw new WalCorruptedException(path, scan.end(), scan.damage());
                }
            } catch (WalCorruptedException corrupt) {
                if (!repair || !corrupt.atRecord()) {
                    throw corrupt;
                }
                bad = corrupt;
                found = cutAt(dir, found, e.getKey(), scan, badAt, corrupt, replay, files);
                break;
            }
        }
        return new Read(replay, found, lastScan, bad, badAt);
    }

    /**
     * Repairs a corrupt log as the operator asked: deletes the segments after the bad record's
     * (its own is cut by the caller once open), and says loudly what is lost.
     *
     * @return the segments that remain
     */
    private static TreeMap<Long, Path> cutAt(Path dir, TreeMap<Long, Path> found, long segment, Segment.Scan scan,
            long offset, WalCorruptedException corrupt, Replay replay, SegmentFiles files) throws IOException {
        TreeMap<Long, Path> later = new TreeMap<>(found.tailMap(segment, false));
        long droppedEntriesFrom = Long.MAX_VALUE;
        long droppedEntriesTo = 0;
        int droppedRecords = 0;
        for (Path p : later.values()) {
            for (Segment.Record r : Segment.scan(files, p, false).records()) {
                droppedRecords++;
                if (r.type() == RecordType.ENTRY) {
                    try {
                        long index = Encoding.decodeEntry(r.bytes(), r.payloadAt(), r.length()).index();
                        droppedEntriesFrom = Math.min(droppedEntriesFrom, index);
                        droppedEntriesTo = Math.max(droppedEntriesTo, index);
                    } catch (EncodingException ignored) {
                        // counted as a record; its index is unknown
                    }
                }
            }
        }
        String dropped = later.isEmpty() ? "" : "; the later segment files " + later.values().stream()
                .map(p -> p.getFileName().toString()).toList() + " are deleted, with the " + droppedRecords
                + " whole records in them" + (droppedEntriesTo == 0 ? "" : " (entries " + droppedEntriesFrom + " to "
                + droppedEntriesTo + ")");
        LOG.log(System.Logger.Level.ERROR, "REPAIRING THE WAL as asked (wal-repair): {0}. The log is cut there: "
                        + "{1} bytes of {2} from offset {3} on are zeroed{4}. The log now ends at entry {5}, with {6}. "
                        + "Entries and votes this member acknowledged may be lost: if in doubt, remove it from the "
                        + "cluster and add it back as a new member.",
                corrupt.getMessage(), String.valueOf(scan.writtenTo() - offset), found.get(segment).getFileName(),
                String.valueOf(offset), dropped, String.valueOf(replay.lastIndex()), replay.hardState);
        for (Path p : later.descendingMap().values()) {
            Files.delete(p);
        }
        if (!later.isEmpty()) {
            syncDirectory(dir);
        }
        return new TreeMap<>(found.headMap(segment, true));
    }

    public Recovered recovered() {
        return recovered;
    }

    /**
     * Appends a Ready's entries and hard state (skipped when empty) as one write.
     *
     * @param sync fdatasync before returning: required before the Ready's messages are sent
     *             whenever {@link io.kvorum.consensus.raft.core.Ready#mustSync()}
     */
    public void append(List<LogEntry> entries, HardState hardState, boolean sync) throws IOException {
        List<byte[]> payloads = new ArrayList<>(entries.size() + 1);
        List<RecordType> types = new ArrayList<>(entries.size() + 1);
        for (LogEntry e : entries) {
            payloads.add(Encoding.encode(e));
            types.add(RecordType.ENTRY);
        }
        if (!hardState.isEmpty()) {
            payloads.add(Encoding.encode(hardState));
            types.add(RecordType.HARD_STATE);
        }
        write(types, payloads, sync);
        if (!entries.isEmpty()) {
            // an entry replaces any after it at a lower index, so the batch's last is the log's last
            lastIndex = entries.get(entries.size() - 1).index();
            lastIndexIn.merge(tail.sequence, lastIndex, Math::max);
        }
    }

    /**
     * Records that a snapshot covers the log up to its index, with the hard state as of now (so
     * the segments before this one can go). Always synced.
     */
    public void saveSnapshot(Snapshot snapshot, HardState hardState) throws IOException {
        Snapshot marker = new Snapshot(snapshot.index(), snapshot.term(), snapshot.confState(), new byte[0]);
        write(List.of(RecordType.SNAPSHOT, RecordType.HARD_STATE), List.of(Encoding.encode(marker),
                Encoding.encode(hardState)), true);
        snapshotSegment = tail.sequence;
        snapshotIndex = snapshot.index();
        lastIndex = Math.max(lastIndex, snapshotIndex);
    }

    /**
     * Deletes the oldest segments that hold nothing needed any more: they come before the latest
     * snapshot marker and hold no entry after the snapshot's index.
     */
    public void releaseBeforeSnapshot() throws IOException {
        releaseBeforeSnapshot(1);
    }

    /**
     * As {@link #releaseBeforeSnapshot()}, but keeps up to {@code maxFiles} segment files in all
     * (etcd's {@code --max-wals}): the oldest released segments go first, segments still needed
     * are never deleted, and 0 keeps every file.
     */
    public void releaseBeforeSnapshot(int maxFiles) throws IOException {
        if (maxFiles == 0) {
            return;
        }
        boolean deleted = false;
        for (var it = segments.entrySet().iterator(); it.hasNext() && segments.size() > maxFiles; ) {
            var e = it.next();
            if (e.getKey() >= snapshotSegment || lastIndexIn.getOrDefault(e.getKey(), 0L) > snapshotIndex) {
                break;
            }
            Files.delete(e.getValue());
            it.remove();
            lastIndexIn.remove(e.getKey());
            deleted = true;
        }
        if (deleted) {
            syncDirectory(dir);
        }
    }

    /** The segment files, oldest first. */
    public List<Path> segmentFiles() {
        return List.copyOf(segments.values());
    }

    /** How many segments {@link #open} left unread: they lie wholly before the snapshot. */
    public int segmentsSkipped() {
        return skipped;
    }

    private void write(List<RecordType> types, List<byte[]> payloads, boolean sync) throws IOException {
        if (payloads.isEmpty()) {
            return;
        }
        int size = payloads.stream().mapToInt(Segment::framedSize).sum();
        ByteBuffer batch = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < payloads.size(); i++) {
            Segment.frame(batch, types.get(i), payloads.get(i));
        }
        batch.flip();
        if (size > tail.remaining()) {
            roll(size);
        }
        long writing = System.nanoTime();
        tail.append(batch);
        metrics.write().observeNanos(System.nanoTime() - writing);
        metrics.writeBytes().add(size);
        if (sync) {
            long started = System.nanoTime();
            tail.sync();
            metrics.fsync().observeNanos(System.nanoTime() - started);
        }
    }

    /**
     * Starts the next segment. The current one is synced first, so only the last segment can
     * ever hold a torn write.
     */
    private void roll(int needed) throws IOException {
        tail.sync();
        tail.close();
        long next = tail.sequence + 1;
        tail = Segment.create(files, dir, next, lastIndex + 1, Math.max(segmentBytes, needed));
        segments.put(next, tail.path);
        syncDirectory(dir);
    }

    /**
     * Where the WAL's writes and fsyncs are recorded (etcd's {@code etcd_disk_wal_*}). etcd times
     * the write of each record into its buffered writer; kvorum writes a batch of records at once,
     * so {@code write} times each batch's write, the fsync that may follow left out.
     */
    public record Metrics(Histogram fsync, Histogram write, Gauge writeBytes) {
        public static Metrics of(MetricRegistry registry) {
            return new Metrics(registry.histogram("etcd_disk_wal_fsync_duration_seconds",
                    "The latency distributions of fsync called by WAL.", Buckets.exponential(0.001, 2, 14)),
                    registry.histogram("etcd_disk_wal_write_duration_seconds",
                            "The latency distributions of write called by WAL.", Buckets.exponential(0.001, 2, 14)),
                    registry.gauge("etcd_disk_wal_write_bytes_total", "Total number of bytes written in WAL."));
        }
    }

    /** Records writes and fsyncs into {@code metrics} from now on (the driver thread's, as every write). */
    public void recordInto(Metrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void close() throws IOException {
        tail.sync();
        tail.close();
    }

    private static TreeMap<Long, Path> listSegments(Path dir) throws IOException {
        TreeMap<Long, Path> found = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                Matcher m = Segment.NAME.matcher(name);
                if (!m.matches()) {
                    m = Segment.LEGACY_NAME.matcher(name);
                }
                if (m.matches()) {
                    Path other = found.put(Long.parseUnsignedLong(m.group(1), 16), p);
                    if (other != null) {
                        throw new WalCorruptedException(dir + ": two segment files with one sequence number: "
                                + other.getFileName() + " and " + name);
                    }
                }
            }
        }
        long expected = found.isEmpty() ? 0 : found.firstKey();
        for (long seq : found.keySet()) {
            if (seq != expected++) {
                throw new WalCorruptedException(dir + ": segment " + String.format("%016x", expected - 1)
                        + " is missing");
            }
        }
        return found;
    }

    private static void syncDirectory(Path dir) throws IOException {
        // Makes a created or deleted file's name durable, not only its contents.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * Rebuilds the log's state from its records, in order. The oldest segments may have been
     * released, so the entries may start anywhere; they must be consecutive from there, and
     * reach back to the snapshot (or to index 1 when there is none).
     */
    private static final class Replay {
        private HardState hardState = HardState.EMPTY;
        private Snapshot snapshot = Snapshot.EMPTY;
        private final List<LogEntry> entries = new ArrayList<>();
        private final TreeMap<Long, Long> lastIndexIn = new TreeMap<>();
        private long snapshotSegment;
        private Path firstPath;

        void apply(long segment, Path path, Segment.Record r) throws WalCorruptedException {
            if (firstPath == null) {
                firstPath = path;
            }
            try {
                switch (r.type()) {
                    case HARD_STATE -> hardState = Encoding.decodeHardState(r.payload());
                    case SNAPSHOT -> {
                        snapshot = Encoding.decodeSnapshot(r.payload());
                        entries.removeIf(e -> e.index() <= snapshot.index());
                        snapshotSegment = segment;
                    }
                    case ENTRY -> {
                        LogEntry e = Encoding.decodeEntry(r.bytes(), r.payloadAt(), r.length());
                        entry(e, path, r.offset());
                        lastIndexIn.merge(segment, e.index(), Math::max);
                    }
                }
            } catch (EncodingException e) {
                throw new WalCorruptedException(path, r.offset(), "a record that passed its checksum but does not "
                        + "decode: " + e.getMessage());
            }
        }

        private void entry(LogEntry e, Path path, long offset) throws WalCorruptedException {
            if (e.index() <= snapshot.index()) {
                return;
            }
            if (!entries.isEmpty()) {
                long first = entries.get(0).index();
                long last = entries.get(entries.size() - 1).index();
                if (e.index() > last + 1) {
                    throw new WalCorruptedException(path, offset, "entry " + e.index() + " leaves a gap after "
                            + last);
                }
                // A new leader overwrote the uncommitted tail from here.
                entries.subList((int) Math.max(0, e.index() - first), entries.size()).clear();
            }
            entries.add(e);
        }

        /**
         * Whether the records replayed, read from a segment named with {@code firstIndex} on, are
         * all the log needs: they hold a snapshot marker (the last one written, as no later
         * segment went unread) that covers every entry before that segment.
         */
        boolean coversAllBefore(long firstIndex) {
            return !snapshot.isEmpty() && firstIndex >= 0 && firstIndex - 1 <= snapshot.index();
        }

        long lastIndex() {
            return entries.isEmpty() ? snapshot.index() : entries.get(entries.size() - 1).index();
        }

        Recovered result() throws WalCorruptedException {
            long expectedFirst = snapshot.index() + 1;
            if (!entries.isEmpty() && entries.get(0).index() != expectedFirst) {
                throw new WalCorruptedException(firstPath + ": the entries start at " + entries.get(0).index()
                        + " but the log " + (snapshot.isEmpty() ? "has no snapshot" : "has a snapshot at "
                        + snapshot.index()) + ": segments before it are missing");
            }
            return new Recovered(hardState, snapshot, entries);
        }
    }
}
