package io.kvorum.consensus.raft.transport;

import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Warnings about what peers send that is refused or fails, at most {@value #BURST} lines per
 * {@value #WINDOW_SECONDS} seconds: a flood of bad calls or messages cannot fill the log. How many
 * were left out is said in the next line written.
 *
 * <p><b>Threads.</b> Any thread; the window and the counts are atomics.
 */
public final class RateLimitedLog {
    static final int BURST = 10;
    static final long WINDOW_SECONDS = 10;

    private final System.Logger log;
    private final LongSupplier nanoTime;
    private final AtomicLong windowStart;
    private final AtomicLong writtenInWindow = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();

    public RateLimitedLog(System.Logger log) {
        this(log, System::nanoTime);
    }

    RateLimitedLog(System.Logger log, LongSupplier nanoTime) {
        this.log = log;
        this.nanoTime = nanoTime;
        this.windowStart = new AtomicLong(nanoTime.getAsLong());
    }

    /** Logs {@code message} at WARNING unless this window's lines are spent; true when it was written. */
    public boolean warn(String message) {
        return warn(message, null);
    }

    /** As {@link #warn(String)}, with the failure's stack trace when {@code failure} is not null. */
    public boolean warn(String message, Throwable failure) {
        long now = nanoTime.getAsLong();
        long start = windowStart.get();
        if (now - start >= TimeUnit.SECONDS.toNanos(WINDOW_SECONDS) && windowStart.compareAndSet(start, now)) {
            writtenInWindow.set(0);
        }
        if (writtenInWindow.incrementAndGet() > BURST) {
            suppressed.incrementAndGet();
            return false;
        }
        long left = suppressed.getAndSet(0);
        String line = left == 0 ? message : message + " (" + left + " like it left out before)";
        if (failure == null) {
            log.log(Level.WARNING, line);
        } else {
            log.log(Level.WARNING, line, failure);
        }
        return true;
    }
}
