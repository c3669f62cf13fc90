package io.kvorum.launcher.proxy;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses where the proxy sends requests, as etcd's proxy director: the cluster's client URLs,
 * asked again every refresh interval, shuffled at each refresh so that proxies do not all stick to
 * one member; {@link #endpoints()} gives the available ones in that order.
 *
 * <p>Threads: {@link #refresh()} runs on the timer (and once at construction); request threads
 * read the list, which is replaced whole.
 */
public final class Director {
    private static final Logger LOG = LoggerFactory.getLogger(Director.class);
    /** etcd's default refresh interval; from it on, a proxy that knows no endpoint asks again every second. */
    static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofMillis(30_000);
    private static final Duration RETRY_WITHOUT_ENDPOINTS = Duration.ofSeconds(1);

    private final Supplier<List<String>> clientUrls;
    private final Duration failureWait;
    private final ScheduledExecutorService timer;
    private final Random random;
    private final AtomicBoolean announced = new AtomicBoolean();
    private volatile List<Endpoint> endpoints = List.of();

    /** Asks {@code clientUrls} for the endpoints now; {@link #start} keeps asking. */
    public Director(Supplier<List<String>> clientUrls, Duration failureWait, ScheduledExecutorService timer, Random random) {
        this.clientUrls = clientUrls;
        this.failureWait = failureWait;
        this.timer = timer;
        this.random = random;
        refresh();
    }

    /** Refreshes every {@code refreshInterval} on the timer (every second while no endpoint is known, as etcd). */
    public void start(Duration refreshInterval) {
        timer.schedule(() -> refreshLoop(refreshInterval), nextDelay(refreshInterval).toMillis(), TimeUnit.MILLISECONDS);
    }

    private void refreshLoop(Duration refreshInterval) {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warn("refreshing the proxy's endpoints failed", e);
        }
        if (!timer.isShutdown()) {
            timer.schedule(() -> refreshLoop(refreshInterval), nextDelay(refreshInterval).toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The wait before the next refresh, as etcd's director loop chooses it. */
    Duration nextDelay(Duration refreshInterval) {
        List<Endpoint> available = endpoints();
        if (!available.isEmpty() && announced.compareAndSet(false, true)) {
            LOG.atInfo().setMessage("endpoints found")
                    .addKeyValue("endpoints", available.stream().map(e -> e.url().toString()).toList()).log();
        }
        if (refreshInterval.compareTo(DEFAULT_REFRESH_INTERVAL) >= 0 && available.isEmpty()) {
            return RETRY_WITHOUT_ENDPOINTS;
        }
        return refreshInterval;
    }

    /** Asks for the client URLs and replaces the endpoints with them, every one available, in a random order. */
    public void refresh() {
        List<Endpoint> fresh = new ArrayList<>();
        for (String u : clientUrls.get()) {
            try {
                URI url = new URI(u);
                if (url.getScheme() == null || url.getHost() == null) {
                    throw new URISyntaxException(u, "no scheme or host");
                }
                fresh.add(new Endpoint(url, failureWait, timer));
            } catch (URISyntaxException e) {
                LOG.atWarn().setMessage("upstream URL invalid").addKeyValue("url", u)
                        .addKeyValue("error", e.getMessage()).log();
            }
        }
        Collections.shuffle(fresh, random);
        endpoints = List.copyOf(fresh);
    }

    /** The available endpoints, in the order of the last refresh. */
    public List<Endpoint> endpoints() {
        return endpoints.stream().filter(Endpoint::available).toList();
    }
}
