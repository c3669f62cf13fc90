package io.kvorum.launcher.log;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the binding takes its settings from: {@link #install} once, before the first logger is
 * asked for; the provider reads them when slf4j initializes it. Without it, {@link LogSettings#DEFAULT}.
 */
public final class KvorumLogging {
    /** Loggers quieter than the rest whatever the level: they say nothing a user can act on. */
    private static final Map<String, LogSettings.Level> QUIET = Map.of(
            // Armeria registers its executor meters again when its services are installed;
            // Micrometer warns about that at every start.
            "io.micrometer.core.instrument.MeterRegistry", LogSettings.Level.ERROR);

    private static volatile LogSettings settings = LogSettings.DEFAULT;
    private static volatile LogWriter writer;

    private KvorumLogging() {
    }

    /**
     * Opens the outputs (files are created, and appended to) and makes {@code settings} the ones
     * every logger uses.
     *
     * @throws IOException when a file output cannot be opened
     */
    public static synchronized void install(LogSettings settings) throws IOException {
        List<OutputStream> outputs = new ArrayList<>();
        for (String output : settings.outputs()) {
            outputs.add(switch (output) {
                case LogSettings.STDERR -> System.err;
                case LogSettings.STDOUT -> System.out;
                default -> new FileOutputStream(Path.of(output).toFile(), true);
            });
        }
        KvorumLogging.settings = settings;
        writer = new LogWriter(LineEncoder.of(settings), outputs);
    }

    static synchronized LogWriter writer() {
        if (writer == null) {
            writer = new LogWriter(LineEncoder.of(settings), List.of(System.err));
        }
        return writer;
    }

    /** The lowest level a logger of this name writes. */
    static LogSettings.Level threshold(String loggerName) {
        LogSettings current = settings;
        LogSettings.Level quiet = QUIET.get(loggerName);
        if (quiet != null && quiet.compareTo(current.level()) > 0) {
            return quiet;
        }
        String bestPrefix = null;
        for (String key : current.packageLevels().keySet()) {
            if ((loggerName.equals(key) || loggerName.startsWith(key + "."))
                    && (bestPrefix == null || key.length() > bestPrefix.length())) {
                bestPrefix = key;
            }
        }
        if (bestPrefix != null) {
            return current.packageLevels().get(bestPrefix);
        }
        return current.packageLevels().getOrDefault(LineEncoder.packageOf(loggerName), current.level());
    }
}
