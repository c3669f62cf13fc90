package io.kvorum.server.grpc;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.stream.SubscriptionOption;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.unsafe.PooledObjects;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.SingleThreadEventLoop;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * A streaming gRPC response whose queued messages leave in one HTTP/2 write. Armeria writes,
 * flushes and waits for each item of a response before it asks for the next, so a watch stream
 * that hands over a hundred events costs a hundred writes and flushes; grpc-go writes whatever is
 * queued at once. This sits between the gRPC call and the connection: it takes the call's items as
 * they come, and hands the connection all the messages waiting at that moment as one
 * {@link HttpData} (gRPC messages are length-prefixed, so their concatenation is the same DATA).
 *
 * <p>A message never waits for company: when the connection is ready for more, the first message
 * to arrive leaves at the end of the event loop's current round of tasks, with the others the call
 * queued in that round (each message the call sends is one task); while a write is under way, the
 * messages that arrive leave together once it is done.
 *
 * <p>Backpressure: at most {@link #MAX_PENDING_BYTES} (and one message) wait here. Beyond that
 * nothing more is taken from the call, so its {@code isReady()} turns false as it would for a
 * connection that does not take writes, and the watch stream stops sending.
 *
 * <p><b>Threads.</b> Everything runs on the call's event loop: the call's items arrive there, and
 * the connection's requests are moved there if they come from elsewhere.
 */
final class CoalescedResponse implements Publisher<HttpObject>, Subscriber<HttpObject>, Subscription {
    /** Bytes taken from the call and not yet handed to the connection, past which no more are taken. */
    static final int MAX_PENDING_BYTES = 64 << 10;

    private final HttpResponse call;
    private final ServiceRequestContext ctx;
    private final EventLoop loop;
    private final Runnable emitTask;

    // All below: owned by `loop`.
    private Subscriber<? super HttpObject> connection;
    private Subscription upstream;
    private final ArrayDeque<HttpObject> pending = new ArrayDeque<>();
    private long pendingBytes;
    /** Items the connection asked for and has not been given. */
    private long demand;
    /** Whether one item was asked of the call and has not arrived. */
    private boolean asked;
    private boolean asking;
    private boolean emitting;
    private boolean emitScheduled;
    private boolean callDone;
    /** The connection was told the end, or cancelled: nothing more goes to it. */
    private boolean finished;

    private CoalescedResponse(HttpResponse call, ServiceRequestContext ctx) {
        this.call = call;
        this.ctx = ctx;
        this.loop = ctx.eventLoop().withoutContext();
        this.emitTask = ctx.makeContextAware((Runnable) () -> {
            emitScheduled = false;
            emit();
        });
    }

    /** {@code response} of the call in {@code ctx}, its waiting messages written together. */
    static HttpResponse of(HttpResponse response, ServiceRequestContext ctx) {
        return HttpResponse.of(new CoalescedResponse(response, ctx));
    }

    /** A decorator that coalesces the responses of the gRPC methods at {@code paths} ({@code /package.Service/Method}). */
    static Function<? super HttpService, ? extends HttpService> decorator(Set<String> paths) {
        return delegate -> delegate.decorate((service, ctx, req) -> {
            HttpResponse response = service.serve(ctx, req);
            return paths.contains(ctx.path()) ? of(response, ctx) : response;
        });
    }

    // ---- towards the connection ----

    @Override
    public void subscribe(Subscriber<? super HttpObject> subscriber) {
        onLoop(() -> {
            if (connection != null) {
                subscriber.onSubscribe(new Subscription() {
                    @Override
                    public void request(long n) {
                    }

                    @Override
                    public void cancel() {
                    }
                });
                subscriber.onError(new IllegalStateException("a response has one subscriber"));
                return;
            }
            connection = subscriber;
            subscriber.onSubscribe(this);
            call.subscribe(this, ctx.eventLoop(), SubscriptionOption.WITH_POOLED_OBJECTS);
        });
    }

    @Override
    public void request(long n) {
        onLoop(() -> {
            if (finished) {
                return;
            }
            if (n <= 0) {
                cancel0();
                connection.onError(new IllegalArgumentException("non-positive request: " + n));
                return;
            }
            demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
            // What waits now has waited for the connection: it goes at once.
            emit();
        });
    }

    @Override
    public void cancel() {
        onLoop(this::cancel0);
    }

    private void cancel0() {
        if (finished) {
            return;
        }
        finished = true;
        release();
        if (upstream != null) {
            upstream.cancel();
        }
    }

    // ---- from the call ----

    @Override
    public void onSubscribe(Subscription subscription) {
        upstream = subscription;
        if (finished) {
            subscription.cancel();
            return;
        }
        askMore();
    }

    @Override
    public void onNext(HttpObject item) {
        asked = false;
        if (finished) {
            PooledObjects.close(item);
            return;
        }
        pending.add(item);
        if (item instanceof HttpData data) {
            pendingBytes += data.length();
        }
        if (demand > 0 && !emitScheduled && !emitting) {
            // Later in this round of tasks: the messages the call queued behind this one leave with it.
            emitScheduled = true;
            afterThisRound(emitTask);
        }
        askMore();
    }

    @Override
    public void onError(Throwable cause) {
        callDone = true;
        if (!finished) {
            finished = true;
            release();
            connection.onError(cause);
        }
    }

    @Override
    public void onComplete() {
        callDone = true;
        if (!emitScheduled) {
            emit();
        }
    }

    // ---- between the two ----

    /** Hands the connection what waits, as far as it asked; every run of data as one item. */
    private void emit() {
        if (emitting) {
            return; // a request from within the connection's onNext: the running loop sees it
        }
        emitting = true;
        try {
            while (!finished && demand > 0 && !pending.isEmpty()) {
                HttpObject next = takeNext();
                demand--;
                connection.onNext(next);
            }
            if (!finished && pending.isEmpty() && callDone) {
                finished = true;
                connection.onComplete();
            }
        } finally {
            emitting = false;
        }
        askMore();
    }

    /** The next item: headers alone, or all the data waiting before the next headers, in one buffer. */
    private HttpObject takeNext() {
        HttpObject first = pending.poll();
        if (!(first instanceof HttpData firstData)) {
            return first;
        }
        pendingBytes -= firstData.length();
        if (firstData.isEndOfStream() || !(pending.peek() instanceof HttpData)) {
            return firstData;
        }
        int total = firstData.length();
        int count = 1;
        for (HttpObject o : pending) {
            if (!(o instanceof HttpData d)) {
                break;
            }
            total += d.length();
            count++;
            if (d.isEndOfStream()) {
                break;
            }
        }
        ByteBuf merged = ctx.alloc().buffer(total);
        boolean endOfStream = false;
        try (firstData) {
            merged.writeBytes(firstData.byteBuf());
        }
        for (int i = 1; i < count; i++) {
            HttpData d = (HttpData) pending.poll();
            pendingBytes -= d.length();
            endOfStream = d.isEndOfStream();
            try (d) {
                merged.writeBytes(d.byteBuf());
            }
        }
        return HttpData.wrap(merged).withEndOfStream(endOfStream);
    }

    /** Takes one more item from the call, and on while they come at once, up to the bound. */
    private void askMore() {
        if (asking) {
            return; // an item that arrived within request(1): the loop below asks again
        }
        asking = true;
        try {
            while (upstream != null && !finished && !callDone && !asked && pendingBytes < MAX_PENDING_BYTES) {
                asked = true;
                upstream.request(1);
            }
        } finally {
            asking = false;
        }
    }

    private void release() {
        for (HttpObject o; (o = pending.poll()) != null; ) {
            PooledObjects.close(o);
        }
        pendingBytes = 0;
    }

    private void onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    /**
     * Runs {@code task} once the event loop has run the tasks queued now: Netty's tail tasks, as
     * its flush consolidation uses; a loop without them runs it after the tasks queued so far.
     */
    private void afterThisRound(Runnable task) {
        if (loop instanceof SingleThreadEventLoop single) {
            single.executeAfterEventLoopIteration(task);
        } else {
            loop.execute(task);
        }
    }
}
