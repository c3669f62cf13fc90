package io.kvorum.server.grpc;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/** Answers a unary call from a future, mapping any failure to etcd's error. */
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
        f.whenComplete((value, failure) -> {
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
        });
    }
}
