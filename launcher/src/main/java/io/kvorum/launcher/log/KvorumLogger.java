package io.kvorum.launcher.log;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.DefaultLoggingEventBuilder;
import org.slf4j.spi.LoggingEventAware;

/**
 * One named logger: below its threshold a call costs a comparison; above, the line is formatted,
 * its caller found on the stack, and handed to the {@link LogWriter}. Key-values of slf4j's fluent
 * API ({@code log.atInfo().addKeyValue(..)}) become the line's fields, and so do the
 * {@code Map.entry(key, value)} parameters of a plugin's {@code System.Logger} call.
 */
final class KvorumLogger extends LegacyAbstractLogger implements LoggingEventAware {
    private static final long serialVersionUID = 1L;

    /** Frames of the logging machinery between the caller and this class. */
    private static final List<String> PLUMBING = List.of("org.slf4j.",
            "java.lang.System$Logger", "jdk.internal.logger.", "sun.util.logging.", "java.util.logging.");
    /** The caller boundary of slf4j's own fluent calls; a bridge sets another one. */
    private static final String FLUENT_API = DefaultLoggingEventBuilder.class.getName();
    private static final StackWalker STACK = StackWalker.getInstance(Set.of(), 16);

    private final transient LogSettings.Level threshold;
    private final transient LogWriter writer;

    KvorumLogger(String name, LogSettings.Level threshold, LogWriter writer) {
        this.name = name;
        this.threshold = threshold;
        this.writer = writer;
    }

    @Override
    public boolean isTraceEnabled() {
        return threshold == LogSettings.Level.DEBUG;
    }

    @Override
    public boolean isDebugEnabled() {
        return threshold == LogSettings.Level.DEBUG;
    }

    @Override
    public boolean isInfoEnabled() {
        return threshold.compareTo(LogSettings.Level.INFO) <= 0;
    }

    @Override
    public boolean isWarnEnabled() {
        return threshold.compareTo(LogSettings.Level.WARN) <= 0;
    }

    @Override
    public boolean isErrorEnabled() {
        return threshold.compareTo(LogSettings.Level.ERROR) <= 0;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                               Throwable throwable) {
        write(level, MessageFormatter.basicArrayFormat(pattern, arguments), List.of(), throwable);
    }

    /** The fluent API's calls, with their key-values. */
    @Override
    public void log(LoggingEvent event) {
        if (!isEnabledForLevel(event.getLevel())) {
            return;
        }
        Object[] arguments = event.getArgumentArray();
        String message = event.getMessage();
        Throwable throwable = event.getThrowable();
        String boundary = event.getCallerBoundary();
        if (boundary != null && !boundary.equals(FLUENT_API)) {
            // A bridge's call (System.Logger's, for the plugins): the message is formatted already.
            write(event.getLevel(), message, bridgedFields(arguments), throwable);
            return;
        }
        if (arguments != null && arguments.length > 0) {
            FormattingTuple formatted = MessageFormatter.arrayFormat(message, arguments);
            message = formatted.getMessage();
            if (throwable == null) {
                throwable = formatted.getThrowable();
            }
        }
        List<KeyValuePair> fields = event.getKeyValuePairs() == null ? List.of() : event.getKeyValuePairs();
        write(event.getLevel(), message, fields, throwable);
    }

    /**
     * A plugin logs through {@code System.Logger} (it may not depend on slf4j): the parameters of
     * its call that are {@code Map.entry("key", value)} become the line's fields. A message
     * pattern that does not name them ({@code {0}}) leaves them out of the text.
     */
    private static List<KeyValuePair> bridgedFields(Object[] arguments) {
        if (arguments == null) {
            return List.of();
        }
        List<KeyValuePair> fields = new ArrayList<>();
        for (Object argument : arguments) {
            if (argument instanceof Map.Entry<?, ?> entry && entry.getKey() instanceof String key) {
                fields.add(new KeyValuePair(key, entry.getValue()));
            }
        }
        return fields;
    }

    private void write(Level level, String message, List<KeyValuePair> fields, Throwable throwable) {
        LogSettings.Level zap = switch (level) {
            case TRACE, DEBUG -> LogSettings.Level.DEBUG;
            case INFO -> LogSettings.Level.INFO;
            case WARN -> LogSettings.Level.WARN;
            case ERROR -> LogSettings.Level.ERROR;
        };
        writer.write(new LogLine(Instant.now(), zap, name, caller(), String.valueOf(message), List.copyOf(fields),
                throwable));
    }

    /** zap's short caller of the frame that called the logger: {@code server/ServerRuntime.java:299}. */
    private String caller() {
        Optional<StackWalker.StackFrame> frame = STACK.walk(frames -> frames
                .filter(f -> !f.getClassName().equals(KvorumLogger.class.getName())
                        && PLUMBING.stream().noneMatch(f.getClassName()::startsWith))
                .findFirst());
        return frame.map(f -> LineEncoder.packageOf(f.getClassName()) + "/"
                + (f.getFileName() == null ? simpleName(f.getClassName()) : f.getFileName())
                + ":" + f.getLineNumber()).orElse("undefined");
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
