package io.kvorum.server.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * bbolt itself, where Go and bbolt's source are installed: a small Go program that opens a file,
 * runs bbolt's consistency check and prints every entry. Tests that use it are skipped elsewhere.
 */
final class GoBbolt {
    private static final Path GOPATH = Path.of("/usr/share/gocode");
    private static Path binary;

    private GoBbolt() {
    }

    static boolean available() {
        return Files.isDirectory(GOPATH.resolve("src/go.etcd.io/bbolt")) && onPath("go");
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /** bbolt's check and dump of {@code file}: "bucket\tNAME" then "NAME\tKEYHEX\tVALUEHEX" lines. */
    static synchronized String dump(Path file) throws IOException, InterruptedException {
        if (binary == null) {
            Path dir = Files.createTempDirectory("bbolt-check");
            Path source = dir.resolve("main.go");
            try (InputStream in = GoBbolt.class.getResourceAsStream("/bbolt-check/main.go")) {
                Files.copy(in, source);
            }
            run(List.of("go", "build", "-o", dir.resolve("bbolt-check").toString(), source.toString()), dir);
            binary = dir.resolve("bbolt-check");
        }
        return run(List.of(binary.toString(), file.toString()), file.getParent());
    }

    private static String run(List<String> command, Path dir) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("GOPATH", GOPATH.toString());
        builder.environment().put("GO111MODULE", "off");
        builder.environment().putIfAbsent("GOCACHE", dir.resolve(".gocache").toString());
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        String text = new String(output, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException(command + " failed (" + process.exitValue() + "): " + text);
        }
        return text;
    }
}
