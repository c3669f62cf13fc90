package io.kvorum.it.server;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds the real etcd tools (Debian's etcd-server and etcd-client) and Prometheus on the PATH. */
public final class Binaries {
    private Binaries() {
    }

    /** The {@code etcd} server binary, or empty when it is not installed. */
    public static Optional<Path> etcd() {
        return find("etcd", "kvorum.it.etcd");
    }

    /** The {@code etcdctl} binary, or empty when it is not installed. */
    public static Optional<Path> etcdctl() {
        return find("etcdctl", "kvorum.it.etcdctl");
    }

    /** The {@code prometheus} server binary (Debian's prometheus), or empty when it is not installed. */
    public static Optional<Path> prometheus() {
        return find("prometheus", "kvorum.it.prometheus");
    }

    /** True on a CI machine, where missing tools must fail the build instead of skipping tests. */
    public static boolean onCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    private static Optional<Path> find(String name, String overrideProperty) {
        String override = System.getProperty(overrideProperty, "");
        if (!override.isBlank()) {
            Path path = Path.of(override);
            return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        String pathVariable = System.getenv().getOrDefault("PATH", "");
        for (String dir : pathVariable.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
