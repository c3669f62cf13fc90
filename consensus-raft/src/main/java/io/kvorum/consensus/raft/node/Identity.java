package io.kvorum.consensus.raft.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which member of which cluster this directory belongs to: written once at the first start, so a
 * restart (and a member that joined, whose id came from the cluster) finds it again.
 */
record Identity(long memberId, long clusterId) {
    private static final String FILE = "member";

    static Optional<Identity> load(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        return Optional.of(Wire.read(AtomicFile.read(file), in -> new Identity(in.readLong(), in.readLong())));
    }

    void save(Path dir) throws IOException {
        AtomicFile.write(dir.resolve(FILE), Wire.bytes(out -> {
            out.writeLong(memberId);
            out.writeLong(clusterId);
        }));
    }
}
