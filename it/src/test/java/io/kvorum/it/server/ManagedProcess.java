package io.kvorum.it.server;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One operating-system process this test JVM started, with stdout and stderr going straight to
 * files (so the child never blocks on a full pipe) and the means to end it and every process it
 * started in turn. A launcher script that does not {@code exec} its JVM is covered: signals go to
 * the descendants first. Nothing is ever killed by name.
 */
public final class ManagedProcess implements AutoCloseable {
    private static final Set<ManagedProcess> LIVE = ConcurrentHashMap.newKeySet();
    /** Stops going on in the background ({@link #terminateInBackground}), each until it is complete. */
    private static final Set<CompletableFuture<Void>> STOPPING = ConcurrentHashMap.newKeySet();
    /** The line kvorum prints on stdout for each client listener once it serves there. */
    private static final Pattern SERVING = Pattern.compile("kvorum: serving client requests on (https?://\\S+)");
    /** How long a kvorum member may take to print its serving lines: a loaded machine starts JVMs slowly. */
    private static final Duration SERVING_TIMEOUT = Duration.ofSeconds(90);

    static {
        // Stops begun in the background end first (each bounded by its grace period and SIGKILL);
        // then the safety net for a test JVM that exits with servers still running (e.g. a timed-out fork).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                CompletableFuture.allOf(STOPPING.toArray(CompletableFuture[]::new)).get(25, TimeUnit.SECONDS);
            } catch (Exception e) {
                // the reaper below ends whatever is left
            }
            LIVE.forEach(ManagedProcess::killQuietly);
        }, "kvorum-it-process-reaper"));
    }

    private final String label;
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private ManagedProcess(String label, Process process, Path stdout, Path stderr) {
        this.label = label;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Starts {@code command} in {@code logDir}'s parent folder (so stray files land there), logging
     * to {@code <logDir>/stdout.log} and {@code stderr.log}. Variables of the etcd tools ({@code ETCD_*}, {@code ETCDCTL_*}) are not
     * inherited: both servers read them as configuration.
     */
    public static ManagedProcess start(String label, List<String> command, Path logDir, Map<String, String> env) {
        try {
            Files.createDirectories(logDir);
            Path out = logDir.resolve("stdout.log");
            Path err = logDir.resolve("stderr.log");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(logDir.getParent().toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().keySet().removeIf(k -> k.startsWith("ETCD_") || k.startsWith("ETCDCTL_"));
            builder.environment().putAll(env);
            Files.writeString(logDir.resolve("command.txt"), String.join(" ", command) + "\n");
            ManagedProcess started = new ManagedProcess(label, builder.start(), out, err);
            LIVE.add(started);
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + label + ": " + String.join(" ", command), e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Everything written to stdout so far. */
    public String stdoutText() {
        return textOf(stdout);
    }

    /** Everything written to stderr so far. */
    public String stderrText() {
        return textOf(stderr);
    }

    private static String textOf(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The exit code, 128 + the signal's number if a signal ended it; the process must have ended. */
    public int exitValue() {
        return process.exitValue();
    }

    /**
     * SIGINT, what Ctrl-C in a terminal sends, which etcdctl's long-running commands handle (lock
     * unlocks, elect resigns). Sent by PID with the system's {@code kill}; Java itself only sends
     * SIGTERM and SIGKILL.
     */
    public void interrupt() {
        try {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -INT " + process.pid() + " failed: "
                        + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -INT " + process.pid(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Sends {@code signal} (e.g. {@code STOP}, {@code CONT}) with the system's {@code kill} to the
     * process and its descendants, so that a launcher script's JVM gets it too.
     */
    public void signal(String signal) {
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal, Long.toString(process.pid())));
        descendants().forEach(h -> command.add(Long.toString(h.pid())));
        try {
            Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: "
                        + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The process and its descendants now, e.g. to tell which of them owns a socket. */
    public List<ProcessHandle> tree() {
        List<ProcessHandle> tree = new ArrayList<>(descendants());
        tree.add(0, process.toHandle());
        return tree;
    }

    /** SIGTERM (to the descendants first, then the process) and wait; SIGKILL if it does not end in time. */
    public void terminate(Duration grace) {
        if (!process.isAlive()) {
            LIVE.remove(this);
            return;
        }
        List<ProcessHandle> tree = descendants();
        tree.forEach(ProcessHandle::destroy);
        process.destroy();
        if (!waitFor(grace)) {
            kill();
            return;
        }
        for (ProcessHandle h : tree) {
            try {
                h.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
        LIVE.remove(this);
    }

    /**
     * {@link #terminate} on a thread of its own, then {@code afterwards} (e.g. deleting the data):
     * a kvorum member takes about 2 s to stop (Netty's quiet period), during which the next test
     * can already run on its own ports and data. The test JVM waits for such stops before it exits.
     * What goes wrong is printed to stderr: the test that started the process has ended.
     */
    public void terminateInBackground(Duration grace, Runnable afterwards) {
        inBackground(label + " (pid " + process.pid() + ")", () -> {
            terminate(grace);
            afterwards.run();
        });
    }

    /**
     * Runs {@code stop} (which ends processes started by this class, and cleans up after them) on a
     * thread of its own; the test JVM waits for it before it exits. What it throws is printed to
     * stderr with {@code what}.
     */
    public static void inBackground(String what, Runnable stop) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        STOPPING.add(done);
        Thread t = new Thread(() -> {
            try {
                stop.run();
            } catch (RuntimeException | Error e) {
                System.err.println("stopping " + what + " in the background: " + e);
            } finally {
                done.complete(null);
                STOPPING.remove(done);
            }
        }, "stop-" + what);
        t.setDaemon(true);
        t.start();
    }

    /** SIGKILL the process and everything it started, and wait until they are gone. */
    public void kill() {
        List<ProcessHandle> tree = descendants();
        tree.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        if (!waitFor(Duration.ofSeconds(30))) {
            throw new IllegalStateException(label + " (pid " + process.pid() + ") survived SIGKILL");
        }
        for (ProcessHandle h : tree) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(label + ": child pid " + h.pid() + " survived SIGKILL", e);
            }
        }
        LIVE.remove(this);
    }

    private void killQuietly() {
        descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** The process's descendants now, taken before signalling: orphans would drop out of the tree. */
    private List<ProcessHandle> descendants() {
        return process.descendants().toList();
    }

    /** Waits up to {@code timeout} for the process to end; true if it has. */
    public boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The last lines of stdout and stderr, for failure messages. */
    public String tail(int lines) {
        return "--- " + label + " stdout (" + stdout + "), last " + lines + " lines ---\n" + tailOf(stdout, lines)
                + "--- " + label + " stderr (" + stderr + "), last " + lines + " lines ---\n" + tailOf(stderr, lines)
                + "--- " + label + (process.isAlive() ? " is running" : " exited with " + process.exitValue()) + " ---";
    }

    private static String tailOf(Path file, int lines) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            long from = Math.max(0, length - 64 * 1024);
            byte[] bytes = new byte[(int) (length - from)];
            raf.seek(from);
            raf.readFully(bytes);
            String[] all = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
            int start = Math.max(0, all.length - 1 - lines);
            StringBuilder out = new StringBuilder();
            for (int i = start; i < all.length; i++) {
                if (i == all.length - 1 && all[i].isEmpty()) {
                    break;
                }
                out.append(all[i]).append('\n');
            }
            return out.toString();
        } catch (IOException e) {
            return "(unreadable: " + e + ")\n";
        }
    }

    /** The URL of a kvorum member's one client listener: {@link #awaitServing(int)} of 1. */
    public URI awaitServing() {
        return awaitServing(1).get(0);
    }

    /**
     * Waits until this kvorum member has printed {@code kvorum: serving client requests on <url>}
     * for each of its {@code listeners} client listeners, and returns those URLs in the order
     * printed. Fails with the log tail if the process ends first; if the lines do not come within
     * 90 s the process is killed too.
     */
    public List<URI> awaitServing(int listeners) {
        long deadline = System.nanoTime() + SERVING_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            List<URI> urls = new ArrayList<>();
            Matcher m = SERVING.matcher(stdoutText());
            while (m.find()) {
                urls.add(URI.create(m.group(1)));
            }
            if (urls.size() >= listeners) {
                return List.copyOf(urls.subList(0, listeners));
            }
            if (!isAlive()) {
                throw new IllegalStateException(label + " exited before serving client requests\n" + tail(60));
            }
            pause(50);
        }
        String tail = tail(60);
        kill();
        throw new IllegalStateException(label + " printed no 'kvorum: serving client requests on' line within "
                + SERVING_TIMEOUT.toSeconds() + " s\n" + tail);
    }

    /** Sleeps while polling a starting server; an interrupt ends the test. */
    public static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        terminate(Duration.ofSeconds(20));
    }

    /**
     * {@link #close()}s every process of {@code processes} at once: a kvorum member takes about 2 s
     * to stop, which would add up one after another. Throws what the first failing close threw.
     */
    public static void closeAll(List<ManagedProcess> processes) {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (ManagedProcess p : processes) {
            CompletableFuture<Void> closed = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    p.close();
                    closed.complete(null);
                } catch (RuntimeException | Error e) {
                    closed.completeExceptionally(e);
                }
            }, "close-" + p.label);
            t.start();
            closing.add(closed);
        }
        for (CompletableFuture<Void> closed : closing) {
            try {
                closed.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw (Error) e.getCause();
            }
        }
    }
}
