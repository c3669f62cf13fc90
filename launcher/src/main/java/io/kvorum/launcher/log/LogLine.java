package io.kvorum.launcher.log;

import java.time.Instant;
import java.util.List;
import org.slf4j.event.KeyValuePair;

/**
 * One line to write: what a log call said, where it was made.
 *
 * @param caller  zap's short caller, {@code package/File.java:123} (the last part of the package name)
 * @param logger  the logger's name (a class name)
 * @param fields  the call's key-values, in order
 * @param error   the throwable given with the call, or null
 */
record LogLine(Instant time, LogSettings.Level level, String logger, String caller, String message,
               List<KeyValuePair> fields, Throwable error) {
}
