package io.kvorum.it.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * The oracle's half of a comparison (the same steps against real etcd), run on a thread of its
 * own while the test runs the target's half: the two use separate processes, data and ports, and
 * etcd's members are light, so the test takes about as long as its slower half instead of both.
 *
 * <pre>
 * OracleRun&lt;List&lt;Step&gt;&gt; oracle = OracleRun.start(() -&gt; play(Target.ETCD));
 * List&lt;Step&gt; actual;
 * try {
 *     actual = play(Target.current());
 * } catch (RuntimeException | Error e) {
 *     oracle.awaitQuietly(); // no etcd left running behind the failure
 *     throw e;
 * }
 * assertEquals(oracle.join(), actual);
 * </pre>
 */
public final class OracleRun<T> {
    private final CompletableFuture<T> result = new CompletableFuture<>();

    private OracleRun() {
    }

    /** Starts {@code half} on a new thread. */
    public static <T> OracleRun<T> start(Supplier<T> half) {
        OracleRun<T> run = new OracleRun<>();
        Thread thread = new Thread(() -> {
            try {
                run.result.complete(half.get());
            } catch (Throwable e) {
                run.result.completeExceptionally(e);
            }
        }, "oracle");
        thread.setDaemon(true);
        thread.start();
        return run;
    }

    /** The oracle's result, once it has one; what it threw (a failed assertion, a skipped test) is thrown here as it was. */
    public T join() {
        try {
            return result.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Waits for the oracle's half to end, whatever its outcome: after the other half failed. */
    public void awaitQuietly() {
        result.exceptionally(e -> null).join();
    }
}
