package io.kvorum.launcher;

import io.kvorum.launcher.log.LogSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * {@code --logger}, {@code --log-outputs}, {@code --log-format} and {@code --log-package-levels},
 * checked with etcd's rules and messages ({@code embed/config_logging.go}), and resolved to the
 * outputs kvorum writes: {@code default} and {@code systemd/journal} are standard error
 * (systemd keeps a service's standard error in its journal), {@code /dev/null} discards everything.
 *
 * @param logger        {@code --logger}
 * @param format        {@code --log-format}
 * @param outputs       the resolved outputs: {@code stderr}, {@code stdout}, file paths
 * @param packageLevels capnslog's per-package levels; empty with zap, which ignores them as etcd does
 */
record LogFlags(LogSettings.Logger logger, LogSettings.Format format, List<String> outputs,
                Map<String, LogSettings.Level> packageLevels) {

    static final String DEFAULT_OUTPUT = "default";
    static final String JOURNAL_OUTPUT = "systemd/journal";
    private static final String DISCARD = "/dev/null";

    /** What a member logs with when no logging flag is given. */
    static final LogFlags DEFAULT = new LogFlags(LogSettings.Logger.ZAP, LogSettings.Format.JSON,
            List.of(LogSettings.STDERR), Map.of());

    LogFlags {
        Objects.requireNonNull(logger, "logger");
        Objects.requireNonNull(format, "format");
        outputs = List.copyOf(outputs);
        packageLevels = Map.copyOf(packageLevels);
    }

    /** The settings of the logging binding, at {@code level}. */
    LogSettings settings(LogLevel level) {
        return new LogSettings(logger, format, level.zapLevel(), outputs, packageLevels);
    }

    /** {@code --logger}'s value. */
    static LogSettings.Logger parseLogger(String value) {
        return switch (value) {
            case "zap" -> LogSettings.Logger.ZAP;
            case "capnslog" -> LogSettings.Logger.CAPNSLOG;
            default -> throw new IllegalArgumentException("unknown logger option \"" + value + "\"");
        };
    }

    /** {@code --log-format}'s value. */
    static LogSettings.Format parseFormat(String value) {
        return switch (value) {
            case "json" -> LogSettings.Format.JSON;
            case "console" -> LogSettings.Format.CONSOLE;
            default -> throw new IllegalArgumentException("must be json or console");
        };
    }

    /**
     * Checks the flags together, as etcd does.
     *
     * @param outputs       {@code --log-outputs}, split at commas (empty: {@code default})
     * @param packageLevels {@code --log-package-levels} (empty: none)
     * @param warnings      receives etcd's deprecation warnings
     * @throws IllegalArgumentException with etcd's message
     */
    static LogFlags of(LogSettings.Logger logger, LogSettings.Format format, List<String> outputs,
                       String packageLevels, List<String> warnings) {
        List<String> given = outputs.isEmpty() ? List.of(DEFAULT_OUTPUT) : outputs;
        if (logger == LogSettings.Logger.CAPNSLOG) {
            warnings.add("Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead");
        }
        Map<String, LogSettings.Level> levels = Map.of();
        if (!packageLevels.isEmpty()) {
            warnings.add("Deprecated '--log-package-levels=" + packageLevels + "' flag is set; use '--logger=zap' flag instead");
            if (logger == LogSettings.Logger.CAPNSLOG) {
                try {
                    levels = parsePackageLevels(packageLevels);
                } catch (IllegalArgumentException e) {
                    warnings.add("couldn't parse log level string: " + e.getMessage() + ", continuing with default levels");
                }
            }
        }
        if (logger == LogSettings.Logger.CAPNSLOG) {
            if (given.size() != 1) {
                throw new IllegalArgumentException("--logger=capnslog supports only 1 value in '--log-outputs', got "
                        + goQuoted(given));
            }
            String output = given.get(0);
            if (!List.of(DEFAULT_OUTPUT, LogSettings.STDERR, LogSettings.STDOUT).contains(output)) {
                throw new IllegalArgumentException("unknown log-output \"" + output + "\" (only supports \"default\", \"stderr\", \"stdout\")");
            }
            return new LogFlags(logger, format, List.of(output.equals(LogSettings.STDOUT) ? LogSettings.STDOUT : LogSettings.STDERR),
                    levels);
        }
        if (given.size() > 1 && given.contains(DEFAULT_OUTPUT)) {
            throw new IllegalArgumentException("multi logoutput for \"default\" is not supported yet");
        }
        if (given.size() > 1 && given.contains(JOURNAL_OUTPUT)) {
            throw new IllegalArgumentException("running with systemd/journal but other '--log-outputs' values ("
                    + goQuoted(given) + ") are configured with 'default'; override 'default' value with something else");
        }
        if (given.contains(DISCARD)) {
            return new LogFlags(logger, format, List.of(), levels);
        }
        LinkedHashSet<String> resolved = new LinkedHashSet<>();
        for (String output : given) {
            resolved.add(output.equals(DEFAULT_OUTPUT) || output.equals(JOURNAL_OUTPUT) ? LogSettings.STDERR : output);
        }
        return new LogFlags(logger, format, new ArrayList<>(resolved), levels);
    }

    /**
     * capnslog's {@code pkg=LEVEL,pkg=LEVEL}; a package is the last part of a Java package's name
     * ({@code server}) or a prefix of logger names ({@code io.kvorum.server}).
     */
    static Map<String, LogSettings.Level> parsePackageLevels(String text) {
        Map<String, LogSettings.Level> levels = new LinkedHashMap<>();
        for (String setting : text.split(",", -1)) {
            String[] parts = setting.split("=", -1);
            if (parts.length != 2) {
                throw new IllegalArgumentException("oddly structured `pkg=level` option: " + setting);
            }
            levels.put(parts[0], capnslogLevel(parts[1]));
        }
        return levels;
    }

    /** capnslog's {@code ParseLevel}, mapped to the nearest zap level. */
    private static LogSettings.Level capnslogLevel(String value) {
        return switch (value) {
            case "CRITICAL", "C", "ERROR", "E" -> LogSettings.Level.ERROR;
            case "WARNING", "W" -> LogSettings.Level.WARN;
            case "NOTICE", "N", "INFO", "I" -> LogSettings.Level.INFO;
            case "DEBUG", "D", "TRACE", "T" -> LogSettings.Level.DEBUG;
            default -> throw new IllegalArgumentException("couldn't parse log level " + value);
        };
    }

    /** Go's {@code %q} of a string slice: {@code ["a" "b"]}. */
    private static String goQuoted(List<String> values) {
        return values.stream().map(v -> "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(" ", "[", "]"));
    }
}
