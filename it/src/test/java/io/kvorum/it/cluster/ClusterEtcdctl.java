package io.kvorum.it.cluster;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.Binaries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** The real etcdctl (v3 API) against one or several members of a cluster. */
final class ClusterEtcdctl {
    private final Path binary;

    private ClusterEtcdctl(Path binary) {
        this.binary = binary;
    }

    /** The installed etcdctl; skipped on a developer machine without it, failed on CI (as {@link Etcdctl#require()}). */
    static ClusterEtcdctl require() {
        Etcdctl.require();
        return new ClusterEtcdctl(Binaries.etcdctl().orElseThrow());
    }

    /** {@code etcdctl --endpoints=<client URLs of members> <args>}. */
    Etcdctl.Result run(List<ClusterMember> endpoints, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.add("--endpoints=" + endpoints.stream().map(m -> m.clientUrl().toString()).collect(Collectors.joining(",")));
        command.add("--dial-timeout=5s");
        command.add("--command-timeout=10s");
        command.addAll(args);
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("etcdctl", ".out");
            err = Files.createTempFile("etcdctl", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            builder.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_") || k.startsWith("ETCD_"));
            builder.environment().put("ETCDCTL_API", "3");
            Process process = builder.start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("etcdctl did not finish within 30 s: " + String.join(" ", command));
            }
            return new Etcdctl.Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        } finally {
            for (Path p : new Path[] {out, err}) {
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
}
