package io.kvorum.it.server;

import java.net.URI;
import java.time.Duration;

/**
 * A running single-member server, kvorum or real etcd, seen from outside: its client URL, its logs,
 * and the ways to end it. {@link #close()} stops it gracefully (SIGTERM); {@link #kill()} is kill -9.
 */
public abstract class ServerProcess implements AutoCloseable {
    private final ServerSpec spec;
    private final ManagedProcess process;
    private final URI clientUrl;

    ServerProcess(ServerSpec spec, ManagedProcess process, URI clientUrl) {
        this.spec = spec;
        this.process = process;
        this.clientUrl = clientUrl;
    }

    /** "kvorum" or "etcd". */
    public abstract String kind();

    /** A new process on the same spec (same name, data directory and peer URL); this one must have ended. */
    public abstract ServerProcess restart();

    /**
     * Like {@link #restart()}, but listening on this process's client port again, so that clients
     * holding the old URL (a jetcd client with a watch open) reconnect by themselves.
     */
    public abstract ServerProcess restartOnSameClientPort();

    public ServerSpec spec() {
        return spec;
    }

    /** E.g. {@code http://127.0.0.1:40123}. */
    public URI clientUrl() {
        return clientUrl;
    }

    public String host() {
        return clientUrl.getHost();
    }

    public int port() {
        return clientUrl.getPort();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The server's own pid (the launcher script execs the JVM). */
    public long pid() {
        return process.pid();
    }

    /** kill -9 (the process and anything it started), then wait until it is gone. */
    public void kill() {
        process.kill();
    }

    /** SIGTERM and wait (SIGKILL after 20 s). */
    public void stop() {
        process.terminate(Duration.ofSeconds(20));
    }

    /** The end of this server's stdout and stderr, to attach to a failure. */
    public String logTail() {
        return process.tail(40);
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Stops this server (SIGTERM, SIGKILL after 20 s) and then deletes its data directory, on a
     * thread of its own: nothing waits for the 2 s a kvorum member takes to stop. Only for a server
     * nothing uses any more, whose ports and data no later server shares.
     */
    public void closeInBackground() {
        process.terminateInBackground(Duration.ofSeconds(20), spec::deleteData);
    }

    @Override
    public String toString() {
        return kind() + " at " + clientUrl + " (pid " + process.pid() + ", " + spec.workDir() + ")";
    }
}
