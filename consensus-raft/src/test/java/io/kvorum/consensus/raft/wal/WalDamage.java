package io.kvorum.consensus.raft.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/** Damages a stopped member's WAL the way failing storage does, for tests outside this package. */
public final class WalDamage {
    /** Where a byte was flipped. */
    public record Flipped(Path segment, long recordOffset) {
    }

    private WalDamage() {
    }

    /** The segment file numbered {@code sequence} in {@code walDir}, whatever index its name holds; null if none. */
    public static Path segmentFile(Path walDir, long sequence) {
        String prefix = String.format("%016x", sequence);
        try (var files = java.nio.file.Files.list(walDir)) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix)
                    && p.getFileName().toString().endsWith(".wal")).findFirst().orElse(null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Flips a byte in the payload of the last record of the newest segment in {@code walDir}. */
    public static Flipped flipByteInLastRecord(Path walDir) throws IOException {
        List<Path> segments;
        try (var files = java.nio.file.Files.list(walDir)) {
            segments = files.filter(p -> p.getFileName().toString().endsWith(".wal")).sorted().toList();
        }
        Path newest = segments.get(segments.size() - 1);
        List<Segment.Record> records = Segment.scan(newest, true).records();
        Segment.Record last = records.get(records.size() - 1);
        flipByte(newest, last.offset() + Segment.HEADER + 1);
        return new Flipped(newest, last.offset());
    }

    /** Flips one bit of the byte at {@code at} in {@code file}, as a failing disk does. */
    public static void flipByte(Path file, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x40));
            ch.write(b.rewind(), at);
        }
    }
}
