package io.kvorum.launcher.log;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the member logs: {@code --logger}, {@code --log-format}, {@code --log-level},
 * {@code --log-outputs} and {@code --log-package-levels}, validated.
 *
 * @param logger        zap (etcd 3.5's default) or capnslog (etcd 3.4's)
 * @param format        zap's encoding; capnslog has one format of its own
 * @param level         the lowest level written
 * @param outputs       {@code stderr}, {@code stdout} or file paths, each once ({@code default} and
 *                      {@code systemd/journal} already resolved to {@code stderr}); none discards every line
 * @param packageLevels capnslog only: the level of each package, by the last part of its name
 *                      (e.g. {@code server}) or by a prefix of its full name (e.g. {@code io.kvorum.server})
 */
public record LogSettings(Logger logger, Format format, Level level, List<String> outputs,
                          Map<String, Level> packageLevels) {

    /** What a member logs with when nothing was installed (a training run, a test): zap JSON at info on stderr. */
    public static final LogSettings DEFAULT =
            new LogSettings(Logger.ZAP, Format.JSON, Level.INFO, List.of(LogSettings.STDERR), Map.of());

    public static final String STDERR = "stderr";
    public static final String STDOUT = "stdout";

    public LogSettings {
        Objects.requireNonNull(logger, "logger");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(level, "level");
        outputs = List.copyOf(outputs);
        packageLevels = Map.copyOf(packageLevels);
    }

    /** The same settings, writing to {@code outputs}. */
    public LogSettings withOutputs(List<String> outputs) {
        return new LogSettings(logger, format, level, outputs, packageLevels);
    }

    /** {@code --logger}. */
    public enum Logger {
        ZAP, CAPNSLOG
    }

    /** {@code --log-format}. */
    public enum Format {
        JSON, CONSOLE
    }

    /** etcd's (zap's) levels, lowest first; slf4j's trace counts as debug. */
    public enum Level {
        DEBUG, INFO, WARN, ERROR, DPANIC, PANIC, FATAL;

        /** The name zap writes: {@code info}. */
        String zapName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
