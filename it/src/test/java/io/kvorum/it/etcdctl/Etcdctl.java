package io.kvorum.it.etcdctl;

import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.ManagedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** Runs the real etcdctl (v3 API) against one endpoint. */
public final class Etcdctl {
    private static final Map<String, String> ENVIRONMENT = Map.of("ETCDCTL_API", "3");

    private final Path binary;

    private Etcdctl(Path binary) {
        this.binary = binary;
    }

    /**
     * The installed etcdctl. When it is missing the test is skipped on a developer machine and
     * fails on CI ({@code CI=true}), where etcdctl is part of the contract.
     */
    public static Etcdctl require() {
        Optional<Path> found = Binaries.etcdctl();
        if (found.isEmpty()) {
            String why = "etcdctl is not installed (Debian package etcd-client)";
            if (Binaries.onCi()) {
                Assertions.fail(why + "; it is required on CI");
            }
            Assumptions.abort(why);
        }
        return new Etcdctl(found.get());
    }

    /** What one etcdctl invocation printed and returned. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    /** {@code etcdctl --endpoints=<endpoint> <args>}, fed {@code stdin} (may be empty). */
    public Result run(URI endpoint, List<String> args, String stdin) {
        return run(List.of(endpoint), args, stdin);
    }

    /** {@code etcdctl --endpoints=<endpoints, comma-separated> <args>}, fed {@code stdin} (may be empty). */
    public Result run(List<URI> endpoints, List<String> args, String stdin) {
        List<String> command = command(endpoints, args);
        Path out = null;
        Path err = null;
        Path in = null;
        try {
            out = Files.createTempFile("etcdctl", ".out");
            err = Files.createTempFile("etcdctl", ".err");
            in = Files.createTempFile("etcdctl", ".in");
            Files.writeString(in, stdin, StandardCharsets.UTF_8);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(in.toFile());
            builder.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_") || k.startsWith("ETCD_"));
            builder.environment().putAll(ENVIRONMENT);
            Process process = builder.start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("etcdctl did not finish within 30 s: " + String.join(" ", command)
                        + "\nstdout:\n" + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
            }
            return new Result(process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        } finally {
            for (Path p : new Path[] {out, err, in}) {
                if (p != null) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException ignored) {
                        // a temp file left behind is harmless
                    }
                }
            }
        }
    }

    /**
     * {@code etcdctl --endpoints=<endpoint> <args>} left running, its output going to files in
     * {@code logDir}; the caller ends it.
     */
    public ManagedProcess start(URI endpoint, List<String> args, Path logDir) {
        List<String> command = new ArrayList<>();
        // Scripts stop these with SIGINT, as a user's Ctrl-C. A build started in the background
        // (nohup, '&' without job control) inherits SIGINT ignored, and so would etcdctl, which
        // keeps an ignored SIGINT ignored: env (coreutils) restores the default before exec.
        command.addAll(List.of("env", "--default-signal=INT"));
        command.addAll(command(List.of(endpoint), args));
        return ManagedProcess.start("etcdctl", command, logDir, ENVIRONMENT);
    }

    private List<String> command(List<URI> endpoints, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.add("--endpoints=" + endpoints.stream().map(URI::toString).collect(Collectors.joining(",")));
        command.add("--dial-timeout=5s");
        command.add("--command-timeout=10s");
        command.addAll(args);
        return command;
    }
}
