package io.kvorum.it.discovery;

import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One kvorum member started without {@code --initial-cluster}, so that discovery gives it one.
 * Its client port is chosen by kvorum (port 0); the start does not wait, since a member waits for
 * the others in discovery before it serves.
 */
final class Member implements AutoCloseable {
    final String name;
    final ManagedProcess process;

    private Member(String name, ManagedProcess process) {
        this.name = name;
        this.process = process;
    }

    /**
     * Starts {@code bin/kvorum} in {@code <dir>/<name>}, its data in {@code data/} there.
     *
     * @param flags the peer URLs and the discovery flags
     * @param env   variables besides the inherited ones
     */
    static Member start(Path dir, String name, List<String> flags, Map<String, String> env) {
        Path home = dir.resolve(name);
        List<String> command = new ArrayList<>(List.of(KvorumProcess.home().resolve("bin").resolve("kvorum").toString(),
                "--name", name, "--data-dir", home.resolve("data").toString(),
                "--listen-client-urls", "http://127.0.0.1:0", "--advertise-client-urls", "http://127.0.0.1:0"));
        command.addAll(flags);
        return new Member(name, ManagedProcess.start(name, command, home.resolve("logs"), env));
    }

    /** The client URL once the member serves; fails with its log tail if it exits first. */
    URI awaitServing() {
        return process.awaitServing();
    }

    /** Waits for the process to exit on its own, and returns its exit code; fails with its log after 90 s. */
    int awaitExit() {
        if (!process.waitFor(Duration.ofSeconds(90))) {
            String tail = process.tail(40);
            process.kill();
            throw new AssertionError(name + " did not exit within 90 s\n" + tail);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        process.close();
    }
}
