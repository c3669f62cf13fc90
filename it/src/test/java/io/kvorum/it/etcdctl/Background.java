package io.kvorum.it.etcdctl;

import io.kvorum.it.server.ManagedProcess;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * An etcdctl a script started in the background ({@code watch k &w}), and what of its output the
 * script has already shown: each look shows only what is new. Output still being written is shown
 * up to its last complete line, so a look never splits a line.
 */
final class Background implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(20);

    private final ManagedProcess process;
    private int stdoutShown;
    private int stderrShown;

    Background(ManagedProcess process) {
        this.process = process;
    }

    /** What was printed since the last look, and the exit code or {@link Transcript.Outcome#RUNNING}. */
    record Look(String stdout, String stderr, int exitCode) {
    }

    /**
     * Waits until the process has an established TCP connection to {@code port} on this host (or
     * has ended). etcdctl connects before it sends its first request and sends it right away, so
     * once connected, a {@code watch} without {@code --rev} is in place long before the next
     * etcdctl the script starts has even connected. Reads Linux's {@code /proc}.
     */
    boolean awaitConnected(int port, Duration timeout) {
        return await(() -> !process.isAlive() || connectedTo(port), timeout);
    }

    /** Waits until stdout holds {@code lines} complete lines in all, or the process has ended. */
    boolean awaitLines(int lines, Duration timeout) {
        return await(() -> !process.isAlive() || completeLines(process.stdoutText()) >= lines, timeout);
    }

    boolean awaitExit(Duration timeout) {
        return process.waitFor(timeout);
    }

    /** SIGINT or SIGTERM, then waits until it ends; false if it did not end in time (it is killed then). */
    boolean stop(String signal, Duration timeout) {
        switch (signal) {
            case "INT" -> process.interrupt();
            case "TERM" -> process.terminate(timeout);
            default -> throw new IllegalArgumentException("signal " + signal);
        }
        if (process.waitFor(timeout)) {
            return true;
        }
        process.kill();
        return false;
    }

    Look look() {
        boolean ended = !process.isAlive();
        String stdout = process.stdoutText();
        String stderr = process.stderrText();
        int stdoutUpTo = Math.max(stdoutShown, ended ? stdout.length() : stdout.lastIndexOf('\n') + 1);
        int stderrUpTo = Math.max(stderrShown, ended ? stderr.length() : stderr.lastIndexOf('\n') + 1);
        Look look = new Look(stdout.substring(stdoutShown, stdoutUpTo), stderr.substring(stderrShown, stderrUpTo),
                ended ? process.exitValue() : Transcript.Outcome.RUNNING);
        stdoutShown = stdoutUpTo;
        stderrShown = stderrUpTo;
        return look;
    }

    private static long completeLines(String text) {
        return text.chars().filter(c -> c == '\n').count();
    }

    private static boolean await(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        return true;
    }

    /** True if one of the process's sockets is in /proc/net/tcp{,6} as ESTABLISHED to {@code port}. */
    private boolean connectedTo(int port) {
        Set<String> inodes = socketInodes();
        String remotePort = String.format(Locale.ROOT, ":%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> rows;
            try {
                rows = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue;
            }
            for (String row : rows.subList(Math.min(1, rows.size()), rows.size())) {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                String[] f = row.strip().split("\\s+");
                if (f.length > 9 && f[2].endsWith(remotePort) && f[3].equals("01") && inodes.contains(f[9])) {
                    return true;
                }
            }
        }
        return false;
    }

    private Set<String> socketInodes() {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException e) {
                    // the descriptor was closed meanwhile
                }
            }
        } catch (IOException e) {
            // the process has ended
        }
        return inodes;
    }

    @Override
    public void close() {
        process.terminate(Duration.ofSeconds(10));
    }
}
