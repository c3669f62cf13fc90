package io.kvorum.it.client;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One bidirectional gRPC stream (Watch, LeaseKeepAlive) as a test drives it: requests sent one at a
 * time, responses queued as they arrive, so a test can take them in order or show that none came.
 */
public final class BidiStream<Q, R> implements AutoCloseable {
    private static final Duration ANSWER = Duration.ofSeconds(10);

    private final BlockingQueue<R> responses = new LinkedBlockingQueue<>();
    private final CompletableFuture<Status> end = new CompletableFuture<>();
    private final StreamObserver<Q> requests;

    private BidiStream(Function<StreamObserver<R>, StreamObserver<Q>> call) {
        this.requests = call.apply(new StreamObserver<>() {
            @Override
            public void onNext(R response) {
                responses.add(response);
            }

            @Override
            public void onError(Throwable t) {
                end.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                end.complete(Status.OK);
            }
        });
    }

    /** Opens the stream, e.g. {@code BidiStream.open(client.watch()::watch)}. */
    public static <Q, R> BidiStream<Q, R> open(Function<StreamObserver<R>, StreamObserver<Q>> call) {
        return new BidiStream<>(call);
    }

    public void send(Q request) {
        requests.onNext(request);
    }

    /** Half-closes the stream: the client sends no more requests but still reads. */
    public void halfClose() {
        requests.onCompleted();
    }

    /** The next response; fails the test if none comes within 10 s. */
    public R next() {
        try {
            R response = responses.poll(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
            if (response == null) {
                Status ended = end.getNow(null);
                throw new AssertionError("no response within " + ANSWER.toSeconds() + " s"
                        + (ended == null ? "" : "; the stream ended: " + ended));
            }
            return response;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** A response arriving within {@code wait}, or empty: to show that the server sent nothing. */
    public Optional<R> nextWithin(Duration wait) {
        try {
            return Optional.ofNullable(responses.poll(wait.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** How the server ended the stream, if it has. */
    public Optional<Status> ended() {
        return Optional.ofNullable(end.getNow(null));
    }

    /** Cancels the stream, as a client going away does. */
    @Override
    public void close() {
        if (!end.isDone()) {
            ((ClientCallStreamObserver<Q>) requests).cancel("the test is done with this stream", null);
        }
    }
}
