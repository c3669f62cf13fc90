package io.kvorum.consensus.raft.node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A small file replaced whole: written to a temporary file, synced, renamed over the old one, and
 * the directory synced, so a crash leaves the old contents or the new, never a mix. A CRC32C
 * trailer catches a file damaged afterwards.
 */
final class AtomicFile {
    private AtomicFile() {
    }

    static void write(Path file, byte[] contents) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        ByteBuffer buffer = ByteBuffer.allocate(contents.length + 4);
        buffer.put(contents).putInt(crc(contents)).flip();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        syncDirectory(file.getParent());
    }

    static byte[] read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < 4) {
            throw new IOException(file + " is truncated");
        }
        byte[] contents = Arrays.copyOf(all, all.length - 4);
        if (ByteBuffer.wrap(all, all.length - 4, 4).getInt() != crc(contents)) {
            throw new IOException(file + " fails its checksum");
        }
        return contents;
    }

    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static int crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }
}
