package io.kvorum.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.Server;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.PutResponse;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RangeResponse;
import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.api.etcdserverpb.WatchRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.api.mvccpb.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/** The gateway over stand-in services: what goes in as gRPC and comes out as etcd's JSON. */
@Timeout(30)
class JsonGatewayTest {
    private static final AtomicReference<String> authorization = new AtomicReference<>();
    private static CountDownLatch watchCancelled;
    private static Server server;
    private static WebClient http;

    /** Range answers one key, or fails for key {@code compacted}; Put answers revision 7. */
    private static final class Kv extends KVGrpc.KVImplBase {
        @Override
        public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
            if (request.getKey().toStringUtf8().equals("compacted")) {
                out.onError(Status.OUT_OF_RANGE.withDescription("etcdserver: mvcc: required revision has been compacted")
                        .asRuntimeException());
                return;
            }
            out.onNext(RangeResponse.newBuilder()
                    .setHeader(ResponseHeader.newBuilder().setRevision(7).setClusterId(-1L))
                    .addKvs(KeyValue.newBuilder().setKey(request.getKey()).setValue(ByteString.copyFromUtf8("bar"))
                            .setCreateRevision(7).setModRevision(7).setVersion(1))
                    .setCount(1).build());
            out.onCompleted();
        }

        @Override
        public void put(PutRequest request, StreamObserver<PutResponse> out) {
            out.onNext(PutResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(7)).build());
            out.onCompleted();
        }
    }

    /** Answers each create with a created response; tells when the stream is cancelled. */
    private static final class Watch extends WatchGrpc.WatchImplBase {
        @Override
        public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
            ServerCallStreamObserver<WatchResponse> out = (ServerCallStreamObserver<WatchResponse>) responses;
            CountDownLatch cancelled = watchCancelled;
            out.setOnCancelHandler(cancelled::countDown);
            return new StreamObserver<>() {
                private long id;

                @Override
                public void onNext(WatchRequest request) {
                    out.onNext(WatchResponse.newBuilder().setWatchId(id++).setCreated(true).build());
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    out.onCompleted(); // the gateway must not half-close a watch
                }
            };
        }
    }

    @BeforeEach
    void reset() {
        authorization.set(null);
        watchCancelled = new CountDownLatch(1);
    }

    @BeforeAll
    static void start() {
        ServerInterceptor recordAuthorization = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                              ServerCallHandler<Q, R> next) {
                authorization.set(headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER)));
                return next.startCall(call, headers);
            }
        };
        JsonGateway gateway = new JsonGateway(List.of(
                ServerInterceptors.intercept(new Kv(), recordAuthorization),
                ServerInterceptors.intercept(new Watch(), recordAuthorization)), 1024);
        var sb = Server.builder().port(0, SessionProtocol.HTTP).requestTimeoutMillis(0).gracefulShutdownTimeoutMillis(0, 0);
        gateway.paths().forEach(path -> sb.service(path, gateway));
        server = sb.build();
        server.start().join();
        http = WebClient.of("h1c://127.0.0.1:" + server.activeLocalPort());
    }

    @AfterAll
    static void stop() {
        server.stop().join();
    }

    private static AggregatedHttpResponse post(String path, String body, String... header) {
        RequestHeaders headers = RequestHeaders.builder(HttpMethod.POST, path)
                .contentType(MediaType.JSON)
                .add(header.length > 0 ? List.of(Map.entry(header[0], header[1])) : List.of())
                .build();
        return http.execute(headers, body).aggregate().join();
    }

    @Test
    void aUnaryAnswerIsEtcdsJson() {
        AggregatedHttpResponse range = post("/v3/kv/range", "{\"key\":\"Zm9v\",\"ignored\":true}");

        assertEquals(200, range.status().code());
        assertEquals("{\"header\":{\"cluster_id\":\"18446744073709551615\",\"revision\":\"7\"},"
                + "\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":\"7\",\"mod_revision\":\"7\",\"version\":\"1\","
                + "\"value\":\"YmFy\"}],\"count\":\"1\"}", range.contentUtf8());
        assertEquals(range.contentUtf8(), post("/v3beta/kv/range", "{\"key\":\"Zm9v\"}").contentUtf8());
    }

    @Test
    void aFailureIsEtcdsErrorBodyWithItsHttpStatus() {
        AggregatedHttpResponse range = post("/v3/kv/range", "{\"key\":\"Y29tcGFjdGVk\"}");
        AggregatedHttpResponse bad = post("/v3/kv/range", "{\"key\":");

        assertEquals(400, range.status().code());
        assertEquals("{\"error\":\"etcdserver: mvcc: required revision has been compacted\","
                + "\"message\":\"etcdserver: mvcc: required revision has been compacted\",\"code\":11}", range.contentUtf8());
        assertEquals(400, bad.status().code());
        assertTrue(bad.contentUtf8().endsWith("\"code\":3}"), bad.contentUtf8());
    }

    @Test
    void theAuthorizationHeaderIsPassedOnAsMetadata() {
        post("/v3/kv/put", "{\"key\":\"Zm9v\",\"value\":\"YmFy\"}", "Authorization", "token.1");

        assertEquals("token.1", authorization.get());
    }

    @Test
    void aBodyLargerThanTheLimitIsRefused() {
        // 2 x 1024 + 512 KiB allowed
        String value = "A".repeat(600 * 1024);

        assertEquals(413, post("/v3/kv/put", "{\"key\":\"Zm9v\",\"value\":\"" + value + "\"}").status().code());
    }

    @Test
    void aWatchStreamsLinesStaysOpenAndIsCancelledWhenTheClientGoes() throws Exception {
        HttpResponse watch = http.execute(RequestHeaders.of(HttpMethod.POST, "/v3/watch"),
                "{\"create_request\":{\"key\":\"YQ==\"}}{\"create_request\":{}}");
        BlockingQueue<HttpObject> received = new LinkedBlockingQueue<>();
        watch.subscribe(new Subscriber<HttpObject>() {
            @Override
            public void onSubscribe(Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(HttpObject o) {
                received.add(o);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onComplete() {
            }
        });
        StringBuilder body = new StringBuilder();
        String expected = "{\"result\":{\"created\":true}}\n{\"result\":{\"watch_id\":\"1\",\"created\":true}}\n";
        while (body.length() < expected.length()) {
            HttpObject o = received.poll(10, TimeUnit.SECONDS);
            if (o instanceof ResponseHeaders headers) {
                assertEquals(200, headers.status().code());
            } else if (o instanceof HttpData data) {
                body.append(data.toStringUtf8());
            } else if (o == null) {
                break;
            }
        }
        assertEquals(expected, body.toString());
        assertEquals(1, watchCancelled.getCount(), "the watch ended while the client was there");

        watch.abort();

        assertTrue(watchCancelled.await(10, TimeUnit.SECONDS), "the watch was not cancelled when the client went");
    }

    @Test
    void onlyPostIsAllowed() {
        AggregatedHttpResponse get = http.get("/v3/kv/range").aggregate().join();

        assertEquals(405, get.status().code());
        assertEquals("Method Not Allowed\n", get.contentUtf8());
    }
}
