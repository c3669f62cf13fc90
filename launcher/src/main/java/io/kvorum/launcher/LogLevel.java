package io.kvorum.launcher;

import io.kvorum.launcher.log.LogSettings;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** etcd's {@code --log-level} values. */
enum LogLevel {
    DEBUG, INFO, WARN, ERROR, PANIC, FATAL;

    /** The level called {@code value} on the command line, e.g. {@code warn}. */
    static Optional<LogLevel> parse(String value) {
        return Arrays.stream(values()).filter(l -> l.flagValue().equals(value)).findFirst();
    }

    /** The accepted values, for messages: {@code debug, info, ...}. */
    static String names() {
        return Arrays.stream(values()).map(LogLevel::flagValue).collect(Collectors.joining(", "));
    }

    String flagValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The level the logging binding writes from. slf4j has nothing above error, so panic and
     * fatal, which let through only lines no call of kvorum makes, still show errors.
     */
    LogSettings.Level zapLevel() {
        return switch (this) {
            case DEBUG -> LogSettings.Level.DEBUG;
            case INFO -> LogSettings.Level.INFO;
            case WARN -> LogSettings.Level.WARN;
            case ERROR, PANIC, FATAL -> LogSettings.Level.ERROR;
        };
    }
}
