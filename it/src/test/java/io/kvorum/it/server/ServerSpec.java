package io.kvorum.it.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a single-member server is started with. The member name, data directory and peer URL stay
 * the same across restarts of one spec, so a restart finds its own data; the client port is chosen
 * anew at every start.
 *
 * @param name        member name ({@code --name})
 * @param workDir     this server's folder: {@code data/} plus the logs of every start
 * @param peerPort    port of the (only) peer URL, also used in {@code --initial-cluster}
 * @param extraFlags  further flags given to every start, e.g. {@code --max-request-bytes 4096}
 */
public record ServerSpec(String name, Path workDir, int peerPort, List<String> extraFlags) {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    public ServerSpec {
        extraFlags = List.copyOf(extraFlags);
    }

    /** A new single-member server in a fresh folder under the module's work directory. */
    public static ServerSpec fresh(String label, String... extraFlags) {
        Path base = Path.of(System.getProperty("kvorum.it.work.dir",
                System.getProperty("java.io.tmpdir") + "/kvorum-it"));
        String dirName = label + "-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
        try {
            Path dir = Files.createDirectories(base.resolve(dirName));
            return new ServerSpec("it", dir.toAbsolutePath(), FreePorts.pick(), List.of(extraFlags));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a work directory under " + base, e);
        }
    }

    public Path dataDir() {
        return workDir.resolve("data");
    }

    public URI peerUrl() {
        return URI.create("http://127.0.0.1:" + peerPort);
    }

    /** The flags every etcd-compatible server takes for a one-member cluster, minus client URLs. */
    List<String> memberFlags() {
        return List.of(
                "--name", name,
                "--data-dir", dataDir().toString(),
                "--listen-peer-urls", peerUrl().toString(),
                "--initial-advertise-peer-urls", peerUrl().toString(),
                "--initial-cluster", name + "=" + peerUrl());
    }

    /** Removes the data directory (large: etcd preallocates its WAL); the logs stay for debugging. */
    public void deleteData() {
        Path data = dataDir();
        if (!Files.exists(data)) {
            return;
        }
        try {
            Files.walkFileTree(data, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + data, e);
        }
    }
}
