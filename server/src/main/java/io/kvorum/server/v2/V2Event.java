package io.kvorum.server.v2;

import java.util.Optional;

/**
 * A change or read of the v2 store as etcd answers it: the action ({@code get}, {@code create},
 * {@code set}, {@code update}, {@code delete}, {@code compareAndSwap}, {@code compareAndDelete},
 * {@code expire}), the node, the node before, and the store index after it ({@code X-Etcd-Index}).
 *
 * @param refresh a TTL refresh, which watchers are not told of
 */
public record V2Event(String action, NodeView node, Optional<NodeView> prevNode, long etcdIndex, boolean refresh) {
    public static final String GET = "get";
    public static final String CREATE = "create";
    public static final String SET = "set";
    public static final String UPDATE = "update";
    public static final String DELETE = "delete";
    public static final String COMPARE_AND_SWAP = "compareAndSwap";
    public static final String COMPARE_AND_DELETE = "compareAndDelete";
    public static final String EXPIRE = "expire";

    /** The store index of the change: its node's modified index. */
    public long index() {
        return node.modifiedIndex();
    }

    /** A create, or a set of a key that did not exist: answered with 201 Created. */
    public boolean isCreated() {
        return action.equals(CREATE) || (action.equals(SET) && prevNode.isEmpty());
    }

    public V2Event withEtcdIndex(long index) {
        return new V2Event(action, node, prevNode, index, refresh);
    }
}
