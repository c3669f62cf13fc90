package io.kvorum.server.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

class CoalescedResponseTest {
    private final ServiceRequestContext ctx = ServiceRequestContext.of(HttpRequest.of(HttpMethod.POST, "/s"));

    @Test
    void messagesQueuedTogetherLeaveAsOneWrite() throws Exception {
        HttpResponseWriter call = HttpResponse.streaming();
        Connection connection = new Connection(true);
        CoalescedResponse.of(call, ctx).subscribe(connection, ctx.eventLoop());
        // as the gRPC call does: each message its own item, written on the event loop
        ctx.eventLoop().execute(() -> {
            call.write(ResponseHeaders.of(HttpStatus.OK));
            for (int i = 0; i < 5; i++) {
                call.write(HttpData.wrap(message(i, 10)));
            }
        });
        connection.awaitBytes(50);
        ctx.eventLoop().execute(() -> {
            call.write(HttpHeaders.of("grpc-status", "0"));
            call.close();
        });
        connection.done.get(10, TimeUnit.SECONDS);

        List<HttpObject> items = connection.items;
        assertEquals(3, items.size(), "headers, one write of the five messages, trailers: " + items);
        assertInstanceOf(ResponseHeaders.class, items.get(0));
        assertArrayEquals(concat(0, 5, 10), ((HttpData) items.get(1)).array());
        assertEquals("0", ((HttpHeaders) items.get(2)).get("grpc-status"));
    }

    @Test
    void aLoneMessageLeavesWithoutWaitingForMore() throws Exception {
        HttpResponseWriter call = HttpResponse.streaming();
        Connection connection = new Connection(true);
        CoalescedResponse.of(call, ctx).subscribe(connection, ctx.eventLoop());
        call.write(ResponseHeaders.of(HttpStatus.OK));
        call.write(HttpData.wrap(message(1, 10)));
        connection.awaitBytes(10);
        call.write(HttpData.wrap(message(2, 10)));
        connection.awaitBytes(20);
        assertEquals(3, connection.items.size(), "each message on its own, as each came alone: " + connection.items);
        call.close();
        connection.done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aSlowReaderHoldsBackTheCallAtTheBound() throws Exception {
        HttpResponseWriter call = HttpResponse.streaming();
        AtomicInteger taken = new AtomicInteger();
        Connection connection = new Connection(false);
        HttpResponse counted = HttpResponse.of(call.peek(o -> taken.incrementAndGet()));
        CoalescedResponse.of(counted, ctx).subscribe(connection, ctx.eventLoop());
        int size = 1024;
        int count = 2000;
        call.write(ResponseHeaders.of(HttpStatus.OK));
        for (int i = 0; i < count; i++) {
            call.write(HttpData.wrap(message(i, size)));
        }
        // the connection took the headers only, and asks for nothing more
        connection.awaitItems(1);
        Thread.sleep(300);
        int held = taken.get() - 1;
        assertTrue(held * size <= CoalescedResponse.MAX_PENDING_BYTES + size,
                "held " + held + " messages of " + size + " bytes for a reader that reads nothing");
        // the call sees the reader as not ready: what it wrote is not all taken
        assertFalse(call.whenConsumed().isDone());

        connection.requestEach();
        connection.awaitBytes((long) count * size);
        call.close();
        connection.done.get(10, TimeUnit.SECONDS);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        connection.items.stream().skip(1).forEach(o -> received.writeBytes(((HttpData) o).array()));
        assertArrayEquals(concat(0, count, size), received.toByteArray());
        assertTrue(connection.items.size() < count / 10, "messages left in " + (connection.items.size() - 1) + " writes");
    }

    @Test
    void theConnectionsCancelReachesTheCall() throws Exception {
        HttpResponseWriter call = HttpResponse.streaming();
        Connection connection = new Connection(true);
        HttpResponse response = CoalescedResponse.of(call, ctx);
        response.subscribe(connection, ctx.eventLoop());
        call.write(ResponseHeaders.of(HttpStatus.OK));
        connection.awaitItems(1);
        response.abort();
        // as Armeria's gRPC call learns of a client's cancel: its response completes
        call.whenComplete().handle((v, e) -> null).get(10, TimeUnit.SECONDS);
        assertFalse(call.isOpen());
    }

    @Test
    void onlyTheNamedMethodsAreCoalesced() throws Exception {
        HttpResponse plain = HttpResponse.streaming();
        HttpService call = (c, req) -> plain;
        HttpService service = CoalescedResponse.decorator(Set.of("/p.S/Stream")).apply(call);
        HttpRequest unary = HttpRequest.of(HttpMethod.POST, "/p.S/Unary");
        assertSame(plain, service.serve(ServiceRequestContext.of(unary), unary));
        HttpRequest stream = HttpRequest.of(HttpMethod.POST, "/p.S/Stream");
        assertNotSame(plain, service.serve(ServiceRequestContext.of(stream), stream));
    }

    private static byte[] message(int n, int size) {
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, (byte) n);
        b[0] = (byte) (n >> 8);
        return b;
    }

    private static byte[] concat(int from, int to, int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = from; i < to; i++) {
            out.writeBytes(message(i, size));
        }
        return out.toByteArray();
    }

    /**
     * Reads as Armeria's connection does: one item at a time, the next asked for once the last is
     * written (here at once, or not until {@link #requestEach}).
     */
    private final class Connection implements Subscriber<HttpObject> {
        final List<HttpObject> items = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private volatile boolean autoRequest;
        private volatile long bytes;
        private Subscription subscription;

        Connection(boolean autoRequest) {
            this.autoRequest = autoRequest;
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(HttpObject o) {
            if (o instanceof HttpData d) {
                items.add(HttpData.wrap(d.array()));
                bytes += d.length();
                d.close();
            } else {
                items.add(o);
            }
            if (autoRequest) {
                subscription.request(1);
            }
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            done.complete(null);
        }

        void requestEach() {
            autoRequest = true;
            ctx.eventLoop().execute(() -> subscription.request(1));
        }

        void awaitBytes(long n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (bytes < n) {
                assertTrue(System.nanoTime() < deadline, "received " + bytes + " of " + n + " bytes");
                Thread.sleep(5);
            }
        }

        void awaitItems(int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (items.size() < n) {
                assertTrue(System.nanoTime() < deadline, "received " + items.size() + " of " + n + " items");
                Thread.sleep(5);
            }
        }
    }
}
