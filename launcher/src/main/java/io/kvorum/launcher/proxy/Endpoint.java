package io.kvorum.launcher.proxy;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client URL of the cluster, as etcd's proxy keeps it: available until a request to it fails,
 * then left out for the failure wait and tried again. Thread-safe: request threads mark it failed,
 * the director's timer marks it available again.
 */
public final class Endpoint {
    private static final Logger LOG = LoggerFactory.getLogger(Endpoint.class);

    private final URI url;
    private final Duration failureWait;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean available = new AtomicBoolean(true);

    Endpoint(URI url, Duration failureWait, ScheduledExecutorService timer) {
        this.url = url;
        this.failureWait = failureWait;
        this.timer = timer;
    }

    public URI url() {
        return url;
    }

    public boolean available() {
        return available.get();
    }

    /** A request to this endpoint failed: leave it out for the failure wait (once, however many requests fail). */
    public void failed() {
        if (!available.compareAndSet(true, false)) {
            return;
        }
        LOG.atWarn().setMessage("marked endpoint unavailable").addKeyValue("endpoint", url.toString()).log();
        timer.schedule(() -> {
            available.set(true);
            LOG.atInfo().setMessage("marked endpoint available, to retest connectivity")
                    .addKeyValue("endpoint", url.toString()).log();
        }, failureWait.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
        return url + (available() ? "" : " (unavailable)");
    }
}
