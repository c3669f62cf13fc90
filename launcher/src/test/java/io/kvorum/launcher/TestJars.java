package io.kvorum.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.spi.ToolProvider;

/**
 * Builds small jars at test time with the JDK's own javac and jar tools: plugins and the libraries
 * they carry, with or without module-info.
 */
final class TestJars {
    private final Path work;

    TestJars(Path work) {
        this.work = work;
    }

    /** Where the class {@code type} was loaded from: a jar, or a folder of classes. */
    static Path locationOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Compiles {@code sources} (path inside the jar to source text; {@code module-info.java} makes a
     * module) against {@code compilePath} and packs the classes and {@code resources} into {@code jar}.
     *
     * @param modular whether {@code compilePath} is a module path (else a class path)
     */
    Path jar(Path jar, Map<String, String> sources, Map<String, String> resources, List<Path> compilePath,
             boolean modular) throws IOException {
        Path root = Files.createTempDirectory(work, "jar");
        Path src = root.resolve("src");
        Path classes = Files.createDirectories(root.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-nowarn", "-Xlint:none"));
        if (!compilePath.isEmpty()) {
            args.add(modular ? "--module-path" : "--class-path");
            args.add(String.join(java.io.File.pathSeparator, compilePath.stream().map(Path::toString).toList()));
        }
        for (Map.Entry<String, String> source : sources.entrySet()) {
            Path file = src.resolve(source.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, source.getValue());
            args.add(file.toString());
        }
        run("javac", args);
        for (Map.Entry<String, String> resource : resources.entrySet()) {
            Path file = classes.resolve(resource.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, resource.getValue());
        }
        Files.createDirectories(jar.toAbsolutePath().getParent());
        run("jar", List.of("--create", "--file", jar.toString(), "-C", classes.toString(), "."));
        return jar;
    }

    private static void run(String tool, List<String> args) {
        ToolProvider provider = ToolProvider.findFirst(tool)
                .orElseThrow(() -> new IllegalStateException("the JDK's " + tool + " tool is not available"));
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8);
        int exit = provider.run(print, print, args.toArray(String[]::new));
        assertEquals(0, exit, tool + " " + args + ":\n" + output.toString(StandardCharsets.UTF_8));
    }
}
