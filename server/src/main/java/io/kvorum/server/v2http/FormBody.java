package io.kvorum.server.v2http;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.io.ByteArrayOutputStream;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Reads a request body up to Go's form limit, as {@code ParseForm} does: a body beyond
 * {@link GoForm#MAX_FORM_BYTES} is not kept (the request is answered "http: POST too large"),
 * and reading stops there, so no client can make a member hold more.
 */
final class FormBody implements Subscriber<HttpObject> {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    /** Empty when the body was too large. */
    private final CompletableFuture<Optional<byte[]>> done = new CompletableFuture<>();
    private Subscription subscription;

    private FormBody() {
    }

    static CompletableFuture<Optional<byte[]>> read(ServiceRequestContext ctx, HttpRequest req) {
        FormBody body = new FormBody();
        req.subscribe(body, ctx.eventLoop());
        return body.done;
    }

    @Override
    public void onSubscribe(Subscription s) {
        subscription = s;
        s.request(1);
    }

    @Override
    public void onNext(HttpObject o) {
        if (o instanceof HttpData data) {
            if (bytes.size() + data.length() > GoForm.MAX_FORM_BYTES) {
                subscription.cancel();
                done.complete(Optional.empty());
                return;
            }
            bytes.write(data.array(), 0, data.length());
        }
        subscription.request(1);
    }

    @Override
    public void onError(Throwable t) {
        done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        done.complete(Optional.of(bytes.toByteArray()));
    }
}
