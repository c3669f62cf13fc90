package io.kvorum.consensus.raft.simulation;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The state machine of the simulation: registers by key. A proposal can reach the log twice (the
 * network duplicates a forwarded proposal), so a request id applies once, as a server's
 * at-most-once sessions would ensure; the ids are part of the state and of its snapshots.
 */
final class KvStore {
    private final TreeMap<String, Long> values = new TreeMap<>();
    private final TreeSet<Long> appliedRequests = new TreeSet<>();

    void apply(KvCommand command) {
        if (appliedRequests.add(command.requestId())) {
            values.put(command.key(), command.value());
        }
    }

    /** The key's value, 0 when absent. */
    long get(String key) {
        return values.getOrDefault(key, 0L);
    }

    byte[] snapshot() {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(values.size());
            for (Map.Entry<String, Long> e : values.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue());
            }
            out.writeInt(appliedRequests.size());
            for (long id : appliedRequests) {
                out.writeLong(id);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static KvStore restore(byte[] snapshot) {
        KvStore store = new KvStore();
        if (snapshot.length == 0) {
            return store;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                store.values.put(in.readUTF(), in.readLong());
            }
            int m = in.readInt();
            for (int i = 0; i < m; i++) {
                store.appliedRequests.add(in.readLong());
            }
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
