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

    /** {@code ETCDCTL_API=2 etcdctl --endpoints <endpoint> <args>}, with bounds a loaded machine needs. */
    public static String run(URI endpoint, String... args) {
        Path binary = Binaries.etcdctl().orElseThrow(() -> new AssertionError("etcdctl is not installed"));
        // a loaded machine's first requests may take longer than etcdctl's 2 s per request
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--endpoints", endpoint.toString(),
                "--timeout", "15s", "--total-timeout", "30s"));
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("etcdctl-v2", ".out");
            Path err = Files.createTempFile("etcdctl-v2", ".err");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile())
                        .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
                builder.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_") || k.startsWith("ETCD_"));
                builder.environment().put("ETCDCTL_API", "2");
                Process p = builder.start();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("etcdctl did not finish within 30 s: " + command);
                }
                return "exit " + p.exitValue() + "\n" + Files.readString(out) + "stderr: " + Files.readString(err);
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

    /** What {@link #run} gives for a command that succeeds with {@code stdout} and says nothing on stderr. */
    public static String ok(String stdout) {
        return "exit 0\n" + stdout + "stderr: ";
    }
}
