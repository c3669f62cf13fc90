package io.kvorum.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpRequestWriter;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.kvorum.api.etcdserverpb.WatchCancelRequest;
import io.kvorum.api.etcdserverpb.WatchCreateRequest;
import io.kvorum.api.etcdserverpb.WatchRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

class WatchCallTest {
    private static final int MAX_MESSAGE = 1024;

    private final HttpRequestWriter request = HttpRequest.streaming(RequestHeaders.builder(HttpMethod.POST, WatchEdge.PATH)
            .contentType(MediaType.parse("application/grpc")).build());
    private final ServiceRequestContext ctx = ServiceRequestContext.builder(request)
            .sessionProtocol(SessionProtocol.H2C).build();
    private final HttpResponseWriter response = HttpResponse.streaming();
    private final WatchCall call = new WatchCall(ctx, request, response, WatchEdge.HEADERS, MAX_MESSAGE);
    private final Listener listener = new Listener();
    private final Connection connection = new Connection();

    private void start() throws Exception {
        onLoop(() -> call.start(listener));
        response.subscribe(connection, ctx.eventLoop());
    }

    @Test
    void aRequestSplitAcrossChunksIsReadWhole() throws Exception {
        start();
        call.request(2);
        byte[] frames = concat(frame(create("a")), frame(cancel(7)));
        // the first frame's header split, the second frame's body split from its header
        request.write(HttpData.wrap(Arrays.copyOfRange(frames, 0, 3)));
        request.write(HttpData.wrap(Arrays.copyOfRange(frames, 3, frame(create("a")).length + 2)));
        request.write(HttpData.wrap(Arrays.copyOfRange(frames, frame(create("a")).length + 2, frames.length)));
        request.close();
        listener.halfClosed.get(10, TimeUnit.SECONDS);
        assertEquals(List.of(create("a"), cancel(7)), listener.messages);
    }

    @Test
    void requestsAreReadOnlyAsTheServiceAsks() throws Exception {
        start();
        request.write(HttpData.wrap(concat(frame(create("a")), frame(create("b")))));
        call.request(1);
        listener.awaitMessages(1);
        Thread.sleep(100);
        assertEquals(1, listener.messages.size(), "one asked, one read");
        call.request(1);
        listener.awaitMessages(2);
    }

    @Test
    void anOversizedRequestEndsTheCallAsTheGrpcServiceDoes() throws Exception {
        start();
        call.request(1);
        byte[] big = new byte[MAX_MESSAGE + 1];
        request.write(HttpData.wrap(concat(new byte[] {0, 0, 0, (byte) (big.length >> 8), (byte) big.length}, big)));
        connection.done.get(10, TimeUnit.SECONDS);
        assertEquals(1, connection.items.size(), "a trailers-only response: " + connection.items);
        ResponseHeaders only = assertInstanceOf(ResponseHeaders.class, connection.items.get(0));
        assertEquals("200", only.status().codeAsText());
        assertEquals("application/grpc+proto", only.get("content-type"));
        assertEquals("8", only.get("grpc-status"));
        assertEquals("com.linecorp.armeria.common.grpc.protocol.ArmeriaMessageDeframer: Frame size "
                + big.length + " exceeds maximum: " + MAX_MESSAGE + ". ", only.get("grpc-message"));
        assertTrue(listener.cancelled.get(10, TimeUnit.SECONDS));
        assertTrue(listener.messages.isEmpty());
    }

    @Test
    void responsesSentTogetherLeaveAsOneWriteBetweenHeadersAndTrailers() throws Exception {
        start();
        List<WatchResponse> sent = List.of(response(1), response(2), response(3));
        // sent in one task of the loop, so the flush comes after all three
        onLoop(() -> sent.forEach(call::sendMessage));
        connection.awaitItems(2);
        call.close(Status.UNAVAILABLE.withDescription("etcdserver: no leader"), new Metadata());
        connection.done.get(10, TimeUnit.SECONDS);

        List<HttpObject> items = connection.items;
        assertEquals(3, items.size(), "headers, one write of the three responses, trailers: " + items);
        assertEquals(WatchEdge.HEADERS, items.get(0));
        assertEquals(sent, responses(((HttpData) items.get(1)).array()));
        HttpHeaders trailers = assertInstanceOf(HttpHeaders.class, items.get(2));
        assertEquals("14", trailers.get("grpc-status"));
        assertEquals("etcdserver: no leader", trailers.get("grpc-message"));
        assertTrue(listener.completed.get(10, TimeUnit.SECONDS), "a close by the service completes the listener");
    }

    @Test
    void aCloseBeforeAnyResponseIsTrailersOnly() throws Exception {
        start();
        call.close(Status.FAILED_PRECONDITION.withDescription("etcdserver: rpc not supported for learner"), new Metadata());
        connection.done.get(10, TimeUnit.SECONDS);
        assertEquals(1, connection.items.size(), connection.items.toString());
        ResponseHeaders only = assertInstanceOf(ResponseHeaders.class, connection.items.get(0));
        assertEquals("9", only.get("grpc-status"));
        assertEquals("etcdserver: rpc not supported for learner", only.get("grpc-message"));
        assertEquals("identity", only.get("grpc-encoding"));
    }

    @Test
    void notReadyUntilTheConnectionTakesTheWrite() throws Exception {
        connection.autoRequest = false;
        start();
        assertTrue(call.isReady());
        call.sendMessage(response(1));
        assertFalse(call.isReady(), "a response is waiting for the connection");
        call.sendMessage(response(2));
        connection.request(1); // the headers
        Thread.sleep(100);
        assertFalse(call.isReady());
        assertEquals(1, listener.readySignals.getCount(), "no onReady before the write is taken");
        connection.request(10);
        listener.readySignals.await(10, TimeUnit.SECONDS);
        assertTrue(call.isReady(), "all written");
        int framed = connection.items.stream().filter(i -> i instanceof HttpData)
                .mapToInt(i -> responses(((HttpData) i).array()).size()).sum();
        assertEquals(2, framed);
    }

    @Test
    void aClientResetCancelsTheListenerAndDropsLaterResponses() throws Exception {
        start();
        call.sendMessage(response(1));
        connection.awaitItems(2);
        request.abort(new IllegalStateException("RST_STREAM"));
        assertTrue(listener.cancelled.get(10, TimeUnit.SECONDS));
        assertTrue(call.isCancelled());
        call.sendMessage(response(2));
        assertFalse(call.isReady());
    }

    @Test
    void takesOnlyPlainGrpcOverHttp2() {
        assertTrue(WatchEdge.takes(ctx, request.headers()));
        RequestHeaders web = request.headers().toBuilder().contentType(MediaType.parse("application/grpc-web")).build();
        assertFalse(WatchEdge.takes(ctx, web), "grpc-web stays with the GrpcService (which refuses it)");
        assertFalse(WatchEdge.takes(ctx, request.headers().toBuilder().add("grpc-timeout", "1S").build()),
                "a deadline stays with the GrpcService");
        assertFalse(WatchEdge.takes(ctx, request.headers().toBuilder().add("grpc-encoding", "gzip").build()));
        ServiceRequestContext http1 = ServiceRequestContext.builder(request).sessionProtocol(SessionProtocol.H1C).build();
        assertFalse(WatchEdge.takes(http1, request.headers()));
        ServiceRequestContext other = ServiceRequestContext.of(HttpRequest.of(RequestHeaders.builder(HttpMethod.POST,
                "/etcdserverpb.Lease/LeaseKeepAlive").contentType(MediaType.parse("application/grpc")).build()));
        assertFalse(WatchEdge.takes(other, other.request().headers()));
    }

    @Test
    void metadataCarriesTheTokenAndRequireLeader() {
        RequestHeaders headers = request.headers().toBuilder().add("token", "t1").add("hasleader", "true").build();
        Metadata m = WatchEdge.metadata(headers);
        assertEquals("t1", m.get(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER)));
        assertEquals("true", m.get(ClusterInterceptor.REQUIRE_LEADER));
    }

    // ---- messages, framed and read back ----

    private void onLoop(Runnable task) throws Exception {
        CompletableFuture.runAsync(task, ctx.eventLoop()).get(10, TimeUnit.SECONDS);
    }

    private static WatchRequest create(String key) {
        return WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))).build();
    }

    private static WatchRequest cancel(long id) {
        return WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(id)).build();
    }

    private static WatchResponse response(long id) {
        return WatchResponse.newBuilder().setWatchId(id).setCreated(true).build();
    }

    private static byte[] frame(com.google.protobuf.MessageLite m) {
        byte[] body = m.toByteArray();
        return concat(ByteBuffer.allocate(5).put((byte) 0).putInt(body.length).array(), body);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static List<WatchResponse> responses(byte[] framed) {
        List<WatchResponse> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(framed);
        try {
            while (b.hasRemaining()) {
                assertEquals(0, b.get(), "uncompressed");
                byte[] body = new byte[b.getInt()];
                b.get(body);
                out.add(WatchResponse.parseFrom(body));
            }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    private static final class Listener extends ServerCall.Listener<WatchRequest> {
        final List<WatchRequest> messages = new CopyOnWriteArrayList<>();
        final CompletableFuture<Boolean> halfClosed = new CompletableFuture<>();
        final CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
        final CompletableFuture<Boolean> completed = new CompletableFuture<>();
        final CountDownLatch readySignals = new CountDownLatch(1);

        @Override
        public void onMessage(WatchRequest message) {
            messages.add(message);
        }

        @Override
        public void onHalfClose() {
            halfClosed.complete(true);
        }

        @Override
        public void onCancel() {
            cancelled.complete(true);
        }

        @Override
        public void onComplete() {
            completed.complete(true);
        }

        @Override
        public void onReady() {
            readySignals.countDown();
        }

        void awaitMessages(int n) throws InterruptedException {
            for (int i = 0; i < 1000 && messages.size() < n; i++) {
                Thread.sleep(10);
            }
            assertEquals(n, messages.size());
        }
    }

    /** The connection's side of the response: records what it is given, asking as told. */
    private static final class Connection implements Subscriber<HttpObject> {
        final List<HttpObject> items = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile boolean autoRequest = true;
        private final CompletableFuture<Subscription> subscription = new CompletableFuture<>();

        @Override
        public void onSubscribe(Subscription s) {
            subscription.complete(s);
            if (autoRequest) {
                s.request(Long.MAX_VALUE);
            }
        }

        void request(long n) throws Exception {
            subscription.get(10, TimeUnit.SECONDS).request(n);
        }

        @Override
        public void onNext(HttpObject item) {
            if (item instanceof HttpData d) {
                items.add(HttpData.wrap(d.array()));
                d.close();
            } else {
                items.add(item);
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

        void awaitItems(int n) throws InterruptedException {
            for (int i = 0; i < 1000 && items.size() < n; i++) {
                Thread.sleep(10);
            }
            assertEquals(n, items.size(), items.toString());
        }
    }
}
