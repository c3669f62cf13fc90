package io.kvorum.it.server;

import java.util.Locale;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;

/**
 * Which server the black-box tests run against, from {@code -Dkvorum.it.target}: the kvorum
 * distribution (default) or a real etcd — the latter proves the tests themselves right.
 */
public enum Target {
    KVORUM(KvorumProcess::start),
    ETCD(EtcdProcess::start);

    private final Function<ServerSpec, ServerProcess> starter;

    Target(Function<ServerSpec, ServerProcess> starter) {
        this.starter = starter;
    }

    public static Target current() {
        String value = System.getProperty("kvorum.it.target", "kvorum").trim().toUpperCase(Locale.ROOT);
        try {
            return valueOf(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("kvorum.it.target must be kvorum or etcd, not " + value, e);
        }
    }

    /**
     * Starts a server of this kind. Against etcd the test is skipped (not failed) when etcd is not
     * installed; a missing kvorum distribution fails.
     */
    public ServerProcess start(ServerSpec spec) {
        if (this == ETCD) {
            Assumptions.assumeTrue(Binaries.etcd().isPresent(), "etcd is not installed (Debian package etcd-server)");
        }
        return starter.apply(spec);
    }
}
