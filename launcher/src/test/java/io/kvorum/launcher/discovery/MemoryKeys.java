package io.kvorum.launcher.discovery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A v2 keys store in memory for {@link V2DiscoveryTest}: keys with creation indexes, the event
 * history a wait reads, and scripted happenings (another member registering) that run when a wait
 * would otherwise block. It can also play an unreachable service for a number of calls.
 */
final class MemoryKeys implements KeysApi {
    private final Map<String, Node> keys = new LinkedHashMap<>();
    private final List<Node> history = new ArrayList<>();
    private final Deque<Runnable> whileWaiting = new ArrayDeque<>();
    private long index;
    private int unavailableCalls;
    private boolean invalidJson;

    /** Sets {@code key} as a v2 {@code PUT} would, bumping the index. */
    MemoryKeys put(String key, String value) {
        index++;
        Node node = new Node(key, value, index, index, List.of());
        keys.put(key, node);
        history.add(node);
        return this;
    }

    /** What happens while the member waits, one step per wait that finds nothing new. */
    MemoryKeys whileWaiting(Runnable happening) {
        whileWaiting.add(happening);
        return this;
    }

    /** The next {@code calls} calls fail as an unreachable service does. */
    MemoryKeys unavailableFor(int calls) {
        unavailableCalls = calls;
        return this;
    }

    /** Every answer is not JSON: the URL names something else than a v2 keys service. */
    MemoryKeys answeringHtml() {
        invalidJson = true;
        return this;
    }

    List<String> keys() {
        return List.copyOf(keys.keySet());
    }

    @Override
    public Read get(String key) throws KeysError, Unavailable, InvalidJson {
        call();
        Node exact = keys.get(key);
        if (exact != null) {
            return new Read(exact, index);
        }
        Map<String, Node> children = new LinkedHashMap<>();
        for (Node n : keys.values()) {
            if (n.key().startsWith(key + "/")) {
                String rest = n.key().substring(key.length() + 1);
                String child = key + "/" + (rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest);
                children.putIfAbsent(child, rest.contains("/") ? new Node(child, null, 0, 0, List.of()) : n);
            }
        }
        if (children.isEmpty()) {
            throw new KeysError(KeysError.KEY_NOT_FOUND, "Key not found", key, index);
        }
        return new Read(new Node(key, null, 1, 1, new ArrayList<>(children.values())), index);
    }

    @Override
    public Node create(String key, String value) throws KeysError, Unavailable, InvalidJson {
        call();
        if (keys.containsKey(key)) {
            throw new KeysError(KeysError.NODE_EXIST, "Key already exists", key, index);
        }
        put(key, value);
        return keys.get(key);
    }

    @Override
    public Node waitChange(String key, long afterIndex, boolean recursive) throws KeysError, Unavailable, InvalidJson {
        call();
        while (true) {
            for (Node event : history) {
                boolean under = event.key().equals(key) || recursive && event.key().startsWith(key + "/");
                if (event.modifiedIndex() > afterIndex && under) {
                    return event;
                }
            }
            if (whileWaiting.isEmpty()) {
                throw new AssertionError("the member would wait for good on " + key + " after " + afterIndex);
            }
            whileWaiting.poll().run();
        }
    }

    private void call() throws Unavailable, InvalidJson {
        if (invalidJson) {
            throw new InvalidJson(new IllegalStateException("<html>"));
        }
        if (unavailableCalls > 0) {
            unavailableCalls--;
            throw new Unavailable("dial tcp 127.0.0.1:1: connect: connection refused", null);
        }
    }
}
