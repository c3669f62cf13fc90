package io.kvorum.server.snapshot;

import com.google.protobuf.CodedInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the committed entries of a stopped etcd member's write-ahead log ({@code member/wal}), as
 * etcd's own WAL reader does on start, and hands them on in log order, each once it is known
 * committed.
 *
 * <p>The format: segment files {@code SEQ-INDEX.wal} (16 hex digits each; INDEX is the first
 * entry the segment may hold), each a sequence of records framed by an 8-byte little-endian
 * length (the top byte's high bit says the lower 3 bits count padding bytes). A record
 * ({@code walpb.Record}: type, crc, data) is one of metadata, entry ({@code raftpb.Entry}), state
 * ({@code raftpb.HardState}), crc (the running checksum carried into a new segment) or snapshot.
 * Every record's crc is the CRC-32C of all record data so far, chained across segments. A zero
 * length (preallocated space) or the end of a file ends the segment.
 *
 * <p>A later entry with the same index as an earlier one replaces it and everything after it
 * (a new leader overwrote an uncommitted tail). An entry is final once a later state record's
 * commit index covers it; entries are passed on then, so memory holds only the uncommitted
 * tail. A torn record at the end of the last segment (a write cut short by a crash: cut off, or a
 * sector of it still zero) ends the log there, as etcd's repair does; any other damage is
 * refused with the file and offset.
 */
final class EtcdWal {
    /** etcd's maxWALEntrySizeLimit. */
    private static final long MAX_RECORD = 10L * 1024 * 1024;
    private static final int SECTOR = 512;
    private static final Pattern NAME = Pattern.compile("([0-9a-f]{16})-([0-9a-f]{16})\\.wal");

    static final int METADATA = 1;
    static final int ENTRY = 2;
    static final int STATE = 3;
    static final int CRC = 4;
    static final int SNAPSHOT = 5;

    /** raftpb.EntryNormal: data is an etcd request. Other types change the membership. */
    static final int ENTRY_NORMAL = 0;

    /** One raft log entry. */
    record Entry(long index, long term, int type, byte[] data) {
    }

    /** Takes the committed entries in order. */
    interface Sink {
        void accept(Entry entry) throws IOException;
    }

    /**
     * What was read.
     *
     * @param commit    the commit index of the last state record
     * @param lastIndex the last entry's index (committed or not)
     * @param passed    entries handed to the sink
     * @param dropped   entries past the commit index, left out
     * @param tornTail  where a torn tail was cut off (file and offset), or empty
     */
    record Summary(long commit, long lastIndex, long passed, long dropped, String tornTail) {
    }

    private final Path dir;
    private final long after;
    private final Sink sink;
    private final Deque<Entry> pending = new ArrayDeque<>();
    /** The index of the last entry passed on (or {@code after}). */
    private long passedIndex;
    private long lastIndex = -1;
    private long commit;
    private long passed;
    private int crc;
    private String tornTail = "";

    private EtcdWal(Path dir, long after, Sink sink) {
        this.dir = dir;
        this.after = after;
        this.sink = sink;
        this.passedIndex = after;
    }

    /**
     * Passes every committed entry past {@code after} to {@code sink}, in order.
     *
     * @param dir   the WAL folder ({@code member/wal})
     * @param after entries up to this index are already in the database and are skipped
     * @throws IOException for a damaged or missing log, or one that does not reach back to {@code after}
     */
    static Summary replay(Path dir, long after, Sink sink) throws IOException {
        EtcdWal wal = new EtcdWal(dir, after, sink);
        wal.read();
        return new Summary(wal.commit, wal.lastIndex, wal.passed, wal.pending.size(), wal.tornTail);
    }

    private void read() throws IOException {
        List<Path> segments = segments();
        for (int i = 0; i < segments.size(); i++) {
            boolean lastSegment = i == segments.size() - 1;
            if (!readSegment(segments.get(i), lastSegment)) {
                break;
            }
        }
        flush();
    }

    /**
     * The segments to read, oldest first: from the newest one that starts at or before
     * {@code after} (as etcd picks where to start reading for a snapshot), with no sequence gap.
     */
    private List<Path> segments() throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("etcd WAL: no folder " + dir);
        }
        List<Path> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(f -> NAME.matcher(f.getFileName().toString()).matches()).sorted().forEach(all::add);
        }
        if (all.isEmpty()) {
            throw new IOException("etcd WAL: no .wal file in " + dir);
        }
        int start = -1;
        for (int i = all.size() - 1; i >= 0; i--) {
            if (Long.compareUnsigned(name(all.get(i), 2), after) <= 0) {
                start = i;
                break;
            }
        }
        if (start < 0) {
            throw new IOException("etcd WAL: the oldest segment " + all.get(0).getFileName() + " starts after index "
                    + after + ", the database's consistent index: entries in between are missing");
        }
        List<Path> chosen = all.subList(start, all.size());
        for (int i = 1; i < chosen.size(); i++) {
            if (name(chosen.get(i), 1) != name(chosen.get(i - 1), 1) + 1) {
                throw new IOException("etcd WAL: segment " + chosen.get(i).getFileName() + " does not follow "
                        + chosen.get(i - 1).getFileName() + " (a segment is missing)");
            }
        }
        lastIndex = name(chosen.get(0), 2) == 0 ? 0 : -1;
        return chosen;
    }

    private static long name(Path segment, int group) {
        Matcher m = NAME.matcher(segment.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException(segment.toString());
        }
        return Long.parseUnsignedLong(m.group(group), 16);
    }

    /** @return false when a torn tail ended the log */
    private boolean readSegment(Path segment, boolean lastSegment) throws IOException {
        long offset = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(segment), 1 << 16)) {
            while (true) {
                byte[] frame = in.readNBytes(8);
                if (frame.length == 0 || (frame.length == 8 && littleEndian(frame) == 0)) {
                    return true; // end of file, or preallocated space
                }
                if (frame.length < 8) {
                    return torn(segment, offset, lastSegment, "a cut-off length field");
                }
                long field = littleEndian(frame);
                long recordBytes = field & 0x00ff_ffff_ffff_ffffL;
                long padBytes = field < 0 ? (field >>> 56) & 0x7 : 0;
                if (recordBytes >= MAX_RECORD - padBytes) {
                    throw damaged(segment, offset, "a record of " + recordBytes + " bytes, over etcd's limit of "
                            + MAX_RECORD);
                }
                byte[] data = in.readNBytes((int) (recordBytes + padBytes));
                if (data.length < recordBytes + padBytes) {
                    return torn(segment, offset, lastSegment, "a cut-off record");
                }
                Record record;
                try {
                    record = Record.parse(data, (int) recordBytes);
                } catch (IOException e) {
                    if (lastSegment && tornSector(data, offset)) {
                        return torn(segment, offset, true, "a record with a zeroed sector");
                    }
                    throw damaged(segment, offset, "an unreadable record (" + e.getMessage() + ")");
                }
                if (record.type == CRC) {
                    if (crc != 0 && record.crc != crc) {
                        throw damaged(segment, offset, "a crc record that does not match the log before it");
                    }
                    crc = record.crc;
                } else {
                    int next = Crc32c.update(crc, record.data);
                    if (record.crc != next) {
                        if (lastSegment && tornSector(data, offset)) {
                            return torn(segment, offset, true, "a record with a zeroed sector");
                        }
                        throw damaged(segment, offset, "a record whose CRC does not match its data");
                    }
                    crc = next;
                    take(segment, offset, record);
                }
                offset += 8 + data.length;
            }
        }
    }

    private void take(Path segment, long offset, Record record) throws IOException {
        switch (record.type) {
            case ENTRY -> entry(segment, offset, parseEntry(record.data));
            case STATE -> {
                long newCommit = parseCommit(record.data);
                commit = Math.max(commit, newCommit);
                flush();
            }
            case METADATA, SNAPSHOT -> {
                // the node and cluster ids; the raft snapshot's position: the database covers it
            }
            default -> throw damaged(segment, offset, "a record of unknown type " + record.type);
        }
    }

    private void entry(Path segment, long offset, Entry e) throws IOException {
        if (lastIndex >= 0 && e.index() > lastIndex + 1) {
            throw damaged(segment, offset, "entry " + e.index() + " follows entry " + lastIndex + " (entries are missing)");
        }
        lastIndex = e.index();
        if (e.index() <= after) {
            return;
        }
        if (e.index() <= passedIndex) {
            throw damaged(segment, offset, "entry " + e.index() + " replaces a committed entry");
        }
        while (!pending.isEmpty() && pending.peekLast().index() >= e.index()) {
            pending.removeLast();
        }
        if (e.index() != passedIndex + pending.size() + 1) {
            throw damaged(segment, offset, "entry " + e.index() + " where " + (passedIndex + pending.size() + 1)
                    + " was expected");
        }
        pending.addLast(e);
    }

    /** Passes on the pending entries the commit index covers. */
    private void flush() throws IOException {
        while (!pending.isEmpty() && pending.peekFirst().index() <= commit) {
            Entry e = pending.removeFirst();
            sink.accept(e);
            passedIndex = e.index();
            passed++;
        }
    }

    private boolean torn(Path segment, long offset, boolean lastSegment, String what) throws IOException {
        if (!lastSegment) {
            throw damaged(segment, offset, what);
        }
        tornTail = segment.getFileName() + " at byte " + offset + " (" + what + ")";
        return false;
    }

    /** etcd's torn-write test: some 512-byte sector of the record (as it lies in the file) is all zero. */
    private static boolean tornSector(byte[] data, long recordOffset) {
        long fileOffset = recordOffset + 8;
        int at = 0;
        while (at < data.length) {
            int chunk = (int) Math.min(SECTOR - fileOffset % SECTOR, data.length - at);
            boolean zero = true;
            for (int i = at; i < at + chunk && zero; i++) {
                zero = data[i] == 0;
            }
            if (zero) {
                return true;
            }
            at += chunk;
            fileOffset += chunk;
        }
        return false;
    }

    private static IOException damaged(Path segment, long offset, String what) {
        return new IOException("etcd WAL: " + segment.getFileName() + " at byte " + offset + ": " + what);
    }

    private static long littleEndian(byte[] b) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }

    /** {@code walpb.Record}: type = 1, crc = 2, data = 3. */
    private record Record(int type, int crc, byte[] data) {
        static Record parse(byte[] bytes, int length) throws IOException {
            CodedInputStream in = CodedInputStream.newInstance(bytes, 0, length);
            long type = 0;
            int crc = 0;
            byte[] data = new byte[0];
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                switch (tag) {
                    case 1 << 3 -> type = in.readInt64();
                    case 2 << 3 -> crc = in.readUInt32();
                    case (3 << 3) | 2 -> data = in.readByteArray();
                    default -> in.skipField(tag);
                }
            }
            if (type < METADATA || type > SNAPSHOT) {
                throw new IOException("record type " + type);
            }
            return new Record((int) type, crc, data);
        }
    }

    /** {@code raftpb.Entry}: Type = 1, Term = 2, Index = 3, Data = 4. */
    private static Entry parseEntry(byte[] bytes) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        long term = 0;
        long index = 0;
        int type = 0;
        byte[] data = new byte[0];
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case 1 << 3 -> type = in.readEnum();
                case 2 << 3 -> term = in.readUInt64();
                case 3 << 3 -> index = in.readUInt64();
                case (4 << 3) | 2 -> data = in.readByteArray();
                default -> in.skipField(tag);
            }
        }
        return new Entry(index, term, type, data);
    }

    /** {@code raftpb.HardState}: Term = 1, Vote = 2, Commit = 3. */
    private static long parseCommit(byte[] bytes) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        long commit = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == 3 << 3) {
                commit = in.readUInt64();
            } else {
                in.skipField(tag);
            }
        }
        return commit;
    }

    /** CRC-32C (Castagnoli) that continues from a previous value, as etcd's chained WAL checksum needs. */
    static final class Crc32c {
        private static final int[] TABLE = new int[256];

        static {
            for (int n = 0; n < 256; n++) {
                int c = n;
                for (int k = 0; k < 8; k++) {
                    c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
                }
                TABLE[n] = c;
            }
        }

        private Crc32c() {
        }

        /** Go's {@code crc32.Update(crc, castagnoli, data)}. */
        static int update(int crc, byte[] data) {
            int c = ~crc;
            for (byte b : data) {
                c = TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
            }
            return ~c;
        }
    }
}
