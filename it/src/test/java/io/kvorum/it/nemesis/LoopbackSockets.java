package io.kvorum.it.nemesis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which process opened a TCP connection on loopback, from Linux's {@code /proc}: the connection's
 * socket inode from {@code /proc/net/tcp} (or {@code tcp6}), then the process holding a descriptor
 * of that socket. Peer traffic all comes from 127.0.0.1, so a proxy tells the members apart this
 * way; elsewhere than on Linux the origin is unknown.
 */
final class LoopbackSockets {
    private LoopbackSockets() {
    }

    /**
     * The name of the process group (e.g. a member) owning the connection from local port
     * {@code fromPort} to {@code toPort}, among {@code groups}.
     */
    static Optional<String> owner(int fromPort, int toPort, Map<String, List<ProcessHandle>> groups) {
        Optional<Long> inode = inode(fromPort, toPort);
        if (inode.isEmpty()) {
            return Optional.empty();
        }
        String link = "socket:[" + inode.get() + "]";
        for (Map.Entry<String, List<ProcessHandle>> group : groups.entrySet()) {
            for (ProcessHandle p : group.getValue()) {
                if (holds(p.pid(), link)) {
                    return Optional.of(group.getKey());
                }
            }
        }
        return Optional.empty();
    }

    private static boolean holds(long pid, String link) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals(link);
                } catch (IOException | UnsupportedOperationException e) {
                    return false; // closed meanwhile
                }
            });
        } catch (IOException e) {
            return false; // the process is gone
        }
    }

    private static Optional<Long> inode(int fromPort, int toPort) {
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue;
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && port(f[1]) == fromPort && port(f[2]) == toPort && !f[9].equals("0")) {
                    return Optional.of(Long.parseLong(f[9]));
                }
            }
        }
        return Optional.empty();
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.indexOf(':') + 1), 16);
    }
}
