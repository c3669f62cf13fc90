package io.kvorum.it.server;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * One server of the {@link Target#current() current target} for a whole test class:
 * <pre>
 * &#64;RegisterExtension
 * static final ServerExtension server = ServerExtension.withFlags("--max-request-bytes", "4096");
 * </pre>
 * Started before the first test, stopped (SIGTERM, then SIGKILL) after the last, in the background
 * ({@link ServerProcess#closeInBackground()}); its data directory is deleted, its logs stay under
 * {@code target/it-work}. A failing test gets the server's log tail
 * attached. Resources registered with {@link #closeAfterAll} are closed before the server stops.
 */
public final class ServerExtension implements BeforeAllCallback, AfterAllCallback, TestExecutionExceptionHandler {
    private final String[] flags;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private ServerProcess server;

    private ServerExtension(String[] flags) {
        this.flags = flags.clone();
    }

    public static ServerExtension withDefaults() {
        return new ServerExtension(new String[0]);
    }

    public static ServerExtension withFlags(String... flags) {
        return new ServerExtension(flags);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        ServerSpec spec = ServerSpec.fresh(context.getRequiredTestClass().getSimpleName(), flags);
        server = Target.current().start(spec);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        Exception first = null;
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        closeables.clear();
        if (server != null) {
            // stopped, and its data deleted, while the next class runs
            server.closeInBackground();
            server = null;
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        if (server != null) {
            throwable.addSuppressed(new ServerLog(server.toString() + "\n" + server.logTail()));
        }
        throw throwable;
    }

    public ServerProcess server() {
        if (server == null) {
            throw new IllegalStateException("the server is started in beforeAll; use it from tests or @BeforeAll");
        }
        return server;
    }

    public URI clientUrl() {
        return server().clientUrl();
    }

    /** Closes {@code resource} (e.g. a client) after the last test, before the server stops. */
    public <T extends AutoCloseable> T closeAfterAll(T resource) {
        closeables.add(resource);
        return resource;
    }

    /** Carries a server's log tail into a test failure report. */
    public static final class ServerLog extends RuntimeException {
        public ServerLog(String text) {
            super(text, null, false, false);
        }
    }
}
