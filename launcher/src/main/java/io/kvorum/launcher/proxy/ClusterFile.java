package io.kvorum.launcher.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The proxy's cluster file, {@code <data-dir>/proxy/cluster}, as etcd writes it:
 * {@code {"PeerURLs":[...]}}; written to {@code cluster.bak}, synced, then renamed over it, and
 * read at the next start instead of {@code --initial-cluster}.
 */
final class ClusterFile {
    private static final JsonFactory JSON = new JsonFactory();
    private static final int MAX_FILE_BYTES = 4 << 20;

    private final Path file;

    ClusterFile(Path proxyDir) {
        this.file = proxyDir.resolve("cluster");
    }

    Path path() {
        return file;
    }

    /** The peer URLs the file holds; empty when there is no file. */
    Optional<List<String>> read() throws IOException {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new IOException(file + " is larger than " + MAX_FILE_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        List<String> urls = new ArrayList<>();
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException(file + " holds no JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                // Go's json matches field names without regard to case
                if (field.equalsIgnoreCase("PeerURLs") && value == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.VALUE_STRING) {
                        urls.add(p.getText());
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        return Optional.of(urls);
    }

    /** Replaces the file with {@code peerUrls}: written beside it, synced, renamed over it. */
    void write(List<String> peerUrls) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("PeerURLs");
            for (String u : peerUrls) {
                g.writeString(u);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        Path bak = file.resolveSibling("cluster.bak");
        try (FileChannel ch = FileChannel.open(bak, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(out.toByteArray()));
            ch.force(true);
        }
        try {
            Files.setPosixFilePermissions(bak, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: its default permissions
        }
        Files.move(bak, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
