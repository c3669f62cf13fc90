package io.kvorum.consensus.raft.core;

import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of the core's values, for the WAL and the peer transport: varints for numbers,
 * length-prefixed bytes, a leading version byte on each top-level value so the format can evolve.
 * Decoding checks every length against what is left and rejects trailing bytes.
 */
public final class Encoding {
    private static final int VERSION = 1;

    private Encoding() {
    }

    public static byte[] encode(Message m) {
        ByteWriter w = new ByteWriter().u8(VERSION).u8(m.type().ordinal()).varint(m.to()).varint(m.from())
                .varint(m.term()).varint(m.logTerm()).varint(m.index()).varint(m.commit()).u8(m.reject() ? 1 : 0)
                .varint(m.rejectHint()).bytes(m.context()).varint(m.entries().size());
        m.entries().forEach(e -> writeEntry(w, e));
        w.u8(m.snapshot().isEmpty() ? 0 : 1);
        if (!m.snapshot().isEmpty()) {
            writeSnapshot(w, m.snapshot());
        }
        return w.toByteArray();
    }

    public static Message decodeMessage(byte[] bytes) {
        ByteReader r = versioned(bytes);
        Message.Builder b = Message.builder(MessageType.ofOrdinal(r.u8())).to(r.varint()).from(r.varint())
                .term(r.varint()).logTerm(r.varint()).index(r.varint()).commit(r.varint()).reject(flag(r))
                .rejectHint(r.varint()).context(r.bytes());
        int n = r.count();
        List<LogEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            entries.add(readEntry(r));
        }
        b.entries(entries);
        if (flag(r)) {
            b.snapshot(readSnapshot(r));
        }
        r.expectEnd();
        return b.build();
    }

    public static byte[] encode(LogEntry e) {
        ByteWriter w = new ByteWriter().u8(VERSION);
        writeEntry(w, e);
        return w.toByteArray();
    }

    public static LogEntry decodeEntry(byte[] bytes) {
        return decodeEntry(bytes, 0, bytes.length);
    }

    /**
     * Decodes the entry in {@code length} bytes of {@code bytes} from {@code offset}: a WAL record
     * inside the segment read whole, so that only the entry's data is copied out of it.
     */
    public static LogEntry decodeEntry(byte[] bytes, int offset, int length) {
        ByteReader r = versioned(new ByteReader(bytes, offset, length));
        LogEntry e = readEntry(r);
        r.expectEnd();
        return e;
    }

    public static byte[] encode(HardState s) {
        return new ByteWriter().u8(VERSION).varint(s.term()).varint(s.vote()).varint(s.commit()).toByteArray();
    }

    public static HardState decodeHardState(byte[] bytes) {
        ByteReader r = versioned(bytes);
        HardState s = new HardState(r.varint(), r.varint(), r.varint());
        r.expectEnd();
        return s;
    }

    public static byte[] encode(Snapshot s) {
        ByteWriter w = new ByteWriter().u8(VERSION);
        writeSnapshot(w, s);
        return w.toByteArray();
    }

    public static Snapshot decodeSnapshot(byte[] bytes) {
        ByteReader r = versioned(bytes);
        Snapshot s = readSnapshot(r);
        r.expectEnd();
        return s;
    }

    public static byte[] encode(ConfChange c) {
        return new ByteWriter().u8(VERSION).u8(c.type().ordinal()).varint(c.nodeId()).bytes(c.context()).toByteArray();
    }

    public static ConfChange decodeConfChange(byte[] bytes) {
        ByteReader r = versioned(bytes);
        ConfChange c = new ConfChange(ConfChangeType.ofOrdinal(r.u8()), r.varint(), r.bytes());
        r.expectEnd();
        return c;
    }

    private static ByteReader versioned(byte[] bytes) {
        return versioned(new ByteReader(bytes));
    }

    private static ByteReader versioned(ByteReader r) {
        int version = r.u8();
        if (version != VERSION) {
            throw new EncodingException("unknown encoding version " + version);
        }
        return r;
    }

    private static boolean flag(ByteReader r) {
        int b = r.u8();
        if (b > 1) {
            throw new EncodingException("flag byte " + b);
        }
        return b == 1;
    }

    private static void writeEntry(ByteWriter w, LogEntry e) {
        w.varint(e.term()).varint(e.index()).u8(e.type().ordinal()).bytes(e.data());
    }

    private static LogEntry readEntry(ByteReader r) {
        return new LogEntry(r.varint(), r.varint(), EntryType.ofOrdinal(r.u8()), r.bytes());
    }

    private static void writeSnapshot(ByteWriter w, Snapshot s) {
        w.varint(s.index()).varint(s.term());
        writeIds(w, s.confState().voters());
        writeIds(w, s.confState().learners());
        w.bytes(s.data());
    }

    private static Snapshot readSnapshot(ByteReader r) {
        long index = r.varint();
        long term = r.varint();
        ConfState cs = new ConfState(readIds(r), readIds(r));
        return new Snapshot(index, term, cs, r.bytes());
    }

    private static void writeIds(ByteWriter w, List<Long> ids) {
        w.varint(ids.size());
        ids.forEach(w::varint);
    }

    private static List<Long> readIds(ByteReader r) {
        int n = r.count();
        List<Long> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(r.varint());
        }
        return ids;
    }
}
