package io.kvorum.it.coordination;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Watch;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A jetcd watch listener that queues what jetcd hands it (on jetcd's threads), so a test can wait
 * for responses in order, or for the error that ended the watch.
 */
final class WatchRecorder implements Watch.Listener {
    private static final Duration ANSWER = Duration.ofSeconds(15);

    private final BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
    private final CompletableFuture<Throwable> error = new CompletableFuture<>();

    @Override
    public void onNext(WatchResponse response) {
        responses.add(response);
    }

    @Override
    public void onError(Throwable throwable) {
        error.complete(throwable);
    }

    @Override
    public void onCompleted() {
        // a closed watcher; the tests look at what arrived before
    }

    /** The next response; fails the test if none comes in time. */
    WatchResponse next() {
        return nextWithin(ANSWER).orElseThrow(() -> new AssertionError("no watch response within "
                + ANSWER.toSeconds() + " s" + (error.isDone() ? "; the watch failed: " + error.join() : "")));
    }

    Optional<WatchResponse> nextWithin(Duration wait) {
        try {
            return Optional.ofNullable(responses.poll(wait.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Waits for the created notification ({@code withCreateNotify}): from now on, nothing is missed. */
    void awaitCreated() {
        assertTrue(next().isCreatedNotify(), "the first response is the created notification");
    }

    /** The next {@code count} events, however the server spread them over responses. */
    List<WatchEvent> events(int count) {
        List<WatchEvent> events = new ArrayList<>();
        while (events.size() < count) {
            events.addAll(next().getEvents());
        }
        return events;
    }

    /** The error that ended the watch. */
    Throwable error() {
        try {
            return error.get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("the watch did not fail within " + ANSWER.toSeconds() + " s", e);
        }
    }
}
