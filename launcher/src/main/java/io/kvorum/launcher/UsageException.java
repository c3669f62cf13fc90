package io.kvorum.launcher;

/**
 * The command line or environment cannot be used as given. The message is one line for the user,
 * naming the flag at fault.
 */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
