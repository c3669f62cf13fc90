package io.kvorum.spi.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An image written whole into a temporary file now and copied out later: what the contracts'
 * default {@code openSnapshot} methods do for a plugin that cannot open a point-in-time view.
 * Not exported; plugins never see it.
 */
public final class SpooledImage {
    /** Writes an image to the stream it is given. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private final Path file;

    private SpooledImage(Path file) {
        this.file = file;
    }

    /** Writes the image into a new temporary file named after {@code prefix}; nothing is left behind if that fails. */
    public static SpooledImage write(String prefix, Writer writer) throws IOException {
        Path file = Files.createTempFile(prefix, ".snapshot");
        try (OutputStream out = Files.newOutputStream(file)) {
            writer.write(out);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException deleting) {
                e.addSuppressed(deleting);
            }
            throw e;
        }
        return new SpooledImage(file);
    }

    /** Copies the image to {@code out}; as often as asked until {@link #delete()}. */
    public void writeTo(OutputStream out) throws IOException {
        Files.copy(file, out);
    }

    /** Removes the temporary file. */
    public void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
