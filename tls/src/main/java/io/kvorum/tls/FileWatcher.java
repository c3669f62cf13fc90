package io.kvorum.tls;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Looks at a set of files every interval and runs a reload when their content changed. A reload
 * that fails (a key written before its certificate, a half-written file) keeps the material in
 * use and is tried again at the next look, so files replaced one after another in place are
 * picked up once they agree; each distinct failure is logged once.
 *
 * <p>Threads: one daemon thread of its own runs the looks and the reloads.
 */
final class FileWatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FileWatcher.class.getName());

    /** Reads the files again and swaps the material in; throws when they cannot be used. */
    interface Reload {
        void run() throws IOException;
    }

    private final List<Path> files;
    private final Reload reload;
    private final String what;
    private final ScheduledExecutorService thread;
    private byte[] applied;
    private byte[] lastFailed;

    FileWatcher(String what, List<Path> files, Duration interval, Reload reload) {
        this.what = what;
        this.files = List.copyOf(files);
        this.reload = reload;
        this.applied = digest();
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kvorum-tls-reload-" + what);
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::look, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void look() {
        byte[] now = digest();
        if (Arrays.equals(now, applied)) {
            return;
        }
        try {
            reload.run();
            applied = now;
            lastFailed = null;
            LOG.log(Level.INFO, "reloaded the " + what + " TLS certificates and keys from " + files);
        } catch (IOException | RuntimeException e) {
            if (!Arrays.equals(now, lastFailed)) {
                LOG.log(Level.WARNING, "cannot reload the " + what + " TLS files, keeping those in use: " + e.getMessage());
                lastFailed = now;
            }
        }
    }

    /** One digest over every file's content (a missing file counts as empty). */
    private byte[] digest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path file : files) {
                try {
                    sha.update(Files.readAllBytes(file));
                } catch (IOException e) {
                    sha.update(new byte[] {0});
                }
                sha.update(file.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
