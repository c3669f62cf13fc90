package io.kvorum.tck.backend;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.WriteBatch;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of {@link BackendTck#durableCommitSurvivesKillOfTheProcess}: opens the backend
 * named on its command line, commits durable batches in a loop and reports each on standard output
 * once {@code commit} has returned. Batch {@code n} puts {@link #KEYS_PER_BATCH} keys with value
 * {@code n} and sets {@link #LAST} to {@code n}. It stops by itself when its parent goes away
 * (standard input reaches its end), so a failed test leaves no process behind.
 */
final class CrashVictim {
    static final Bucket BUCKET = new Bucket("tck-crash");
    static final String LAST = "last";
    static final int KEYS_PER_BATCH = 8;

    /** Batches reported before the parent kills the child. */
    private static final long KILL_AFTER = 20;
    private static final String REPORT = "committed ";

    private CrashVictim() {}

    /** Arguments: the provider's name, the directory, then options as {@code name=value}. */
    public static void main(String[] args) throws IOException {
        Thread stdinWatch = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the parent writes nothing; the read ends when it goes away
                }
            } catch (IOException e) {
                // the same: no parent to serve
            }
            Runtime.getRuntime().halt(3);
        });
        stdinWatch.setDaemon(true);
        stdinWatch.start();

        Map<String, String> options = new HashMap<>();
        for (int i = 2; i < args.length; i++) {
            int equals = args[i].indexOf('=');
            options.put(args[i].substring(0, equals), args[i].substring(equals + 1));
        }
        BackendProvider provider = find(args[0]);
        PrintStream out = System.out;
        Backend backend = provider.open(new BackendContext(Path.of(args[1]), List.of(Bucket.KEY, Bucket.META),
                PluginOptions.of(options)));
        for (long n = 1; ; n++) {
            try (WriteBatch batch = backend.newBatch()) {
                byte[] value = String.valueOf(n).getBytes(UTF_8);
                for (int i = 0; i < KEYS_PER_BATCH; i++) {
                    batch.put(BUCKET, key(n, i), value);
                }
                batch.put(BUCKET, LAST.getBytes(UTF_8), value);
                backend.commit(batch, true);
            }
            out.println(REPORT + n);
            out.flush();
        }
    }

    static byte[] key(long batch, int i) {
        return String.format("batch/%08d/%d", batch, i).getBytes(UTF_8);
    }

    static boolean isInstalled(String name) {
        return ServiceLoader.load(BackendProvider.class).stream().anyMatch(p -> p.get().name().equals(name));
    }

    private static BackendProvider find(String name) {
        return ServiceLoader.load(BackendProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no backend provider named " + name));
    }

    /**
     * Starts a child JVM on the same module and class path as this one, waits until it reports
     * {@link #KILL_AFTER} durable batches, kills it with SIGKILL and waits for it to be gone.
     *
     * @return the last batch the child reported before it was killed
     */
    static long runAndKill(BackendProvider provider, Map<String, String> options, Path directory, Path log)
            throws IOException, InterruptedException {
        Process child = new ProcessBuilder(command(provider, options, directory))
                .redirectError(log.toFile())
                .start();
        try {
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread pump = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the child is gone; the queue stays short of the report the test waits for
                }
                lines.add("");
            });
            pump.setDaemon(true);
            pump.start();
            long reported = 0;
            while (reported < KILL_AFTER) {
                String line = lines.poll(60, TimeUnit.SECONDS);
                if (line == null || !line.startsWith(REPORT)) {
                    throw new AssertionError("the child JVM stopped reporting commits (" + line + "); its log:\n"
                            + Files.readString(log));
                }
                reported = Long.parseLong(line.substring(REPORT.length()));
            }
            // SIGKILL: no shutdown hook, no close, no flush of anything the backend still buffers
            child.toHandle().destroyForcibly();
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("the child JVM did not die of SIGKILL");
            }
            return reported;
        } finally {
            child.destroyForcibly();
        }
    }

    /**
     * java, the module path and class path this JVM runs on, the provider's module, and this
     * class as the main class (from its module, when it is in one).
     */
    private static List<String> command(BackendProvider provider, Map<String, String> options, Path directory) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath != null && !modulePath.isEmpty()) {
            command.add("--module-path");
            command.add(modulePath);
        }
        Module providerModule = provider.getClass().getModule();
        if (providerModule.isNamed()) {
            command.add("--add-modules");
            command.add(providerModule.getName());
        }
        Module tck = CrashVictim.class.getModule();
        if (tck.isNamed()) {
            command.add("-m");
            command.add(tck.getName() + "/" + CrashVictim.class.getName());
        } else {
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(CrashVictim.class.getName());
        }
        command.add(provider.name());
        command.add(directory.toString());
        options.forEach((name, value) -> command.add(name + "=" + value));
        return command;
    }
}
