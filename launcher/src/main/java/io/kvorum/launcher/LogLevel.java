package io.kvorum.launcher;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** etcd's {@code --log-level} values, and the slf4j-simple level each one selects. */
enum LogLevel {
    DEBUG("debug"),
    INFO("info"),
    WARN("warn"),
    ERROR("error"),
    // slf4j has nothing above error: etcd's panic and fatal levels still show errors.
    PANIC("error"),
    FATAL("error");

    private final String simpleLoggerLevel;

    LogLevel(String simpleLoggerLevel) {
        this.simpleLoggerLevel = simpleLoggerLevel;
    }

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

    /** The value for slf4j-simple's {@code defaultLogLevel} property. */
    String simpleLoggerLevel() {
        return simpleLoggerLevel;
    }
}
