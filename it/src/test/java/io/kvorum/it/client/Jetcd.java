package io.kvorum.it.client;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.kvorum.it.server.ServerExtension;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Small conveniences for jetcd in tests: strings as keys, blocking calls, failures as values. */
public final class Jetcd {
    private Jetcd() {
    }

    /** A jetcd client for the extension's server, closed after the last test of the class. */
    public static Client client(ServerExtension server) {
        return server.closeAfterAll(Client.builder().endpoints(server.clientUrl()).build());
    }

    public static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    public static String string(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    public static List<String> keys(List<KeyValue> kvs) {
        return kvs.stream().map(kv -> string(kv.getKey())).toList();
    }

    public static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(15, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("the call failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (TimeoutException e) {
            throw new AssertionError("no answer within 15 s", e);
        }
    }

    /** Waits for {@code future} to fail and returns why (jetcd's exception, unwrapped). */
    public static Throwable failure(CompletableFuture<?> future) {
        try {
            Object value = future.get(15, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (TimeoutException e) {
            throw new AssertionError("no answer within 15 s", e);
        }
    }
}
