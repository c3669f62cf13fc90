package io.kvorum.it.etcdctl;

import io.kvorum.it.server.Binaries;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real etcdctl with {@code ETCDCTL_API=2} against one endpoint; the answer is one string
 * ({@code exit <code>\n<stdout>stderr: <stderr>}) so that a test compares all of it at once.
 */
public final class EtcdctlV2 {
    private EtcdctlV2() {
    }

    /** What one etcdctl run wrote, and how it ended. */
    public record Output(int exit, String stdout, String stderr) {
    }

    /** {@code ETCDCTL_API=2 etcdctl --endpoints <endpoint> <args>}, with bounds a loaded machine needs. */
    public static String run(URI endpoint, String... args) {
        Path binary = Binaries.etcdctl().orElseThrow(() -> new AssertionError("etcdctl is not installed"));
        // a loaded machine's first requests may take longer than etcdctl's 2 s per request
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--endpoints", endpoint.toString(),
                "--timeout", "15s", "--total-timeout", "30s"));
        command.addAll(List.of(args));
        Output o = exec(command);
        return "exit " + o.exit() + "\n" + o.stdout() + "stderr: " + o.stderr();
    }

    /** Runs an etcdctl v2 command line to its end (at most 30 s), with no input. */
    public static Output exec(List<String> command) {
        try {
            Path out = Files.createTempFile("etcdctl-v2", ".out");
            Path err = Files.createTempFile("etcdctl-v2", ".err");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile())
                        .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
                environment(builder);
                Process p = builder.start();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("etcdctl did not finish within 30 s: " + command);
                }
                return new Output(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The v2 API, and none of the caller's own etcdctl or etcd settings. */
    public static void environment(ProcessBuilder builder) {
        builder.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_") || k.startsWith("ETCD_"));
        builder.environment().put("ETCDCTL_API", "2");
    }

    /** What {@link #run} gives for a command that succeeds with {@code stdout} and says nothing on stderr. */
    public static String ok(String stdout) {
        return "exit 0\n" + stdout + "stderr: ";
    }
}
