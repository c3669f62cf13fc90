package io.kvorum.server.v2;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A node of the tree: a file with a value, or a directory with children. Mutable, owned by its
 * {@link V2Store} and changed only under its write lock.
 */
final class V2Node {
    final String path;
    final long createdIndex;
    long modifiedIndex;
    /** Unix nanoseconds; 0 for a permanent node. */
    long expireTime;
    String value;
    /** Null for a file. In creation order, as listing a directory unsorted shows them. */
    final Map<String, V2Node> children;
    V2Node parent;

    private V2Node(String path, long createdIndex, long modifiedIndex, long expireTime, String value,
                   Map<String, V2Node> children, V2Node parent) {
        this.path = path;
        this.createdIndex = createdIndex;
        this.modifiedIndex = modifiedIndex;
        this.expireTime = expireTime;
        this.value = value;
        this.children = children;
        this.parent = parent;
    }

    static V2Node file(String path, String value, long index, V2Node parent, long expireTime) {
        return new V2Node(path, index, index, expireTime, value, null, parent);
    }

    static V2Node dir(String path, long index, V2Node parent, long expireTime) {
        return new V2Node(path, index, index, expireTime, "", new LinkedHashMap<>(), parent);
    }

    /** A node read back from its record. */
    static V2Node restored(String path, boolean dir, String value, long created, long modified, long expireTime) {
        return new V2Node(path, created, modified, expireTime, value, dir ? new LinkedHashMap<>() : null, null);
    }

    boolean isDir() {
        return children != null;
    }

    boolean isPermanent() {
        return expireTime == 0;
    }

    String name() {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** A name starting with {@code _}: left out of listings. */
    boolean isHidden() {
        String name = name();
        return !name.isEmpty() && name.charAt(0) == '_';
    }

    /**
     * etcd's {@code Compare}: a prevIndex of 0 and an empty prevValue match anything.
     *
     * @return null when it matches, else etcd's cause ({@code [prev != now]} for what differs)
     */
    String compareFailure(String prevValue, long prevIndex) {
        boolean indexMatch = prevIndex == 0 || modifiedIndex == prevIndex;
        boolean valueMatch = prevValue.isEmpty() || value.equals(prevValue);
        if (indexMatch && valueMatch) {
            return null;
        }
        if (indexMatch) {
            return "[" + prevValue + " != " + value + "]";
        }
        if (valueMatch) {
            return "[" + prevIndex + " != " + modifiedIndex + "]";
        }
        return "[" + prevValue + " != " + value + "] [" + prevIndex + " != " + modifiedIndex + "]";
    }

    /** etcd's TTL shown: whole seconds left, rounded up. */
    long ttlAt(long nowNanos) {
        if (isPermanent()) {
            return 0;
        }
        long left = expireTime - nowNanos;
        long ttl = left / 1_000_000_000L;
        if (left % 1_000_000_000L > 0) {
            ttl++;
        }
        return ttl;
    }

    /** etcd's {@code Repr}: the node, its visible children too when {@code recursive}. */
    NodeView view(boolean recursive, boolean sorted, long nowNanos) {
        if (isDir()) {
            Optional<List<NodeView>> nodes = recursive ? Optional.of(childViews(true, sorted, nowNanos)) : Optional.empty();
            return new NodeView(path, Optional.empty(), true, expireTime, ttlAt(nowNanos), nodes, modifiedIndex, createdIndex);
        }
        return new NodeView(path, Optional.of(value), false, expireTime, ttlAt(nowNanos), Optional.empty(),
                modifiedIndex, createdIndex);
    }

    /** etcd's {@code loadInternalNode}: as a get answers it, a directory's children always listed one level. */
    NodeView loaded(boolean recursive, boolean sorted, long nowNanos) {
        if (isDir()) {
            return new NodeView(path, Optional.empty(), true, expireTime, ttlAt(nowNanos),
                    Optional.of(childViews(recursive, sorted, nowNanos)), modifiedIndex, createdIndex);
        }
        return view(false, false, nowNanos);
    }

    private List<NodeView> childViews(boolean recursive, boolean sorted, long nowNanos) {
        List<NodeView> list = new ArrayList<>(children.size());
        for (V2Node child : children.values()) {
            if (!child.isHidden()) {
                list.add(child.view(recursive, sorted, nowNanos));
            }
        }
        if (sorted) {
            list.sort(Comparator.comparing(NodeView::key));
        }
        return list;
    }

    /** This node and every node below it, parents before children. */
    void collect(List<V2Node> into) {
        into.add(this);
        if (isDir()) {
            for (V2Node child : children.values()) {
                child.collect(into);
            }
        }
    }
}
