package io.kvorum.server.grpc;

import com.linecorp.armeria.common.RequestContext;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Answers a unary call from a future, mapping any failure to etcd's error.
 *
 * <p><b>Threads.</b> The answer is given on the call's event loop: in place when the future
 * completes there (or is done already), else in one task handed to that loop. Armeria's call
 * does its work on that loop; called from another thread, it would hand the loop a task of its
 * own for the headers, the message and the close: three hand-overs per reply instead of one.
 */
final class Replies {
    private Replies() {
    }

    static <T, R> void reply(Supplier<CompletableFuture<T>> call, Function<T, R> finish, StreamObserver<R> out) {
        CompletableFuture<T> f;
        try {
            f = call.get();
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
            return;
        }
        // The handler runs on the call's event loop with the call's context current (the gateway's
        // calls: with their HTTP request's); a call made without a context is answered in place.
        RequestContext ctx = RequestContext.currentOrNull();
        f.whenComplete((value, failure) -> {
            if (ctx == null || ctx.eventLoop().inEventLoop()) {
                answer(value, failure, finish, out);
            } else {
                ctx.eventLoop().execute(() -> answer(value, failure, finish, out));
            }
        });
    }

    private static <T, R> void answer(T value, Throwable failure, Function<T, R> finish, StreamObserver<R> out) {
        if (failure != null) {
            out.onError(Errors.toStatus(failure));
            return;
        }
        R response;
        try {
            response = finish.apply(value);
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
            return;
        }
        out.onNext(response);
        out.onCompleted();
    }
}
