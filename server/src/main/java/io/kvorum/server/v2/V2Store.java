package io.kvorum.server.v2;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;

/**
 * etcd's v2 store: a tree of files and directories under {@code /}, each node with its created
 * and modified index, files with a value, nodes with an optional expiry time; the store index
 * that every change moves on by one; and the watcher hub. The operations and their errors are
 * etcd's {@code v2store}: create (also in order, under a unique name), set, update, compare-and-
 * swap, delete, compare-and-delete, get, watch, and the expiry of keys whose time has come.
 *
 * <p>Threads: changed only by the apply loop, in log order, so every member's tree is the same at
 * the same index; read and watched by request threads. A read-write lock guards the tree (the
 * apply loop takes it for one change at a time; a read holds it while it copies out what it
 * answers). Which paths changed is remembered until {@link #flush} hands them to the backend.
 */
public final class V2Store {
    /** The event history etcd keeps for watches. */
    public static final int HISTORY = EventHistory.CAPACITY;
    /** etcd's {@code StoreKeysPrefix}: the directory {@code /v2/keys} shows, read-only itself. */
    public static final String KEYS = "/1";
    /** etcd's cluster namespace, kept (empty) so that the store's layout is etcd's. */
    private static final String CLUSTER = "/0";

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final LongSupplier clock;
    private final WatcherHub hub;
    private final V2Stats stats = new V2Stats();
    private V2Node root;
    private long currentIndex;
    /** Nodes with an expiry, soonest first. */
    private final TreeSet<V2Node> ttlKeys = new TreeSet<>(
            Comparator.comparingLong((V2Node n) -> n.expireTime).thenComparing(n -> n.path));
    /** Paths changed since the last flush; apply thread only. */
    private final Set<String> changed = new LinkedHashSet<>();
    private boolean indexChanged;

    /**
     * @param clock    Unix nanoseconds, for the TTLs shown (expiry itself comes through the log)
     * @param executor where watchers' futures complete
     */
    public V2Store(LongSupplier clock, Executor executor) {
        this.clock = clock;
        this.hub = new WatcherHub(HISTORY, executor);
        this.root = newRoot();
    }

    /** etcd's empty store: the root with its namespaces, created at index 0 and never written. */
    private static V2Node newRoot() {
        V2Node root = V2Node.dir("/", 0, null, 0);
        for (String namespace : new String[] {CLUSTER, KEYS}) {
            root.children.put(namespace.substring(1), V2Node.dir(namespace, 0, root, 0));
        }
        return root;
    }

    /** The store index: the number of changes so far. */
    public long index() {
        lock.readLock().lock();
        try {
            return currentIndex;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Whether any node has an expiry: the leader then proposes expiry SYNCs. */
    public boolean hasTtlKeys() {
        lock.readLock().lock();
        try {
            return !ttlKeys.isEmpty();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** How many watchers wait. */
    public int watchers() {
        return hub.count();
    }

    /** etcd's {@code /v2/stats/store} JSON. */
    public String statsJson() {
        return stats.json(hub.count());
    }

    /** Runs {@code op}, counting it as a success or a failure. */
    /** {@code op} under the write lock, counted. */
    private <T> T writing(V2Stats.Counter success, V2Stats.Counter failure, java.util.function.Supplier<T> op) {
        lock.writeLock().lock();
        try {
            return counted(success, failure, op);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** {@code op} under the read lock, counted. */
    private <T> T reading(V2Stats.Counter success, V2Stats.Counter failure, java.util.function.Supplier<T> op) {
        lock.readLock().lock();
        try {
            return counted(success, failure, op);
        } finally {
            lock.readLock().unlock();
        }
    }

    private <T> T counted(V2Stats.Counter success, V2Stats.Counter failure, java.util.function.Supplier<T> op) {
        try {
            T result = op.get();
            stats.inc(success);
            return result;
        } catch (V2Error e) {
            stats.inc(failure);
            throw e;
        }
    }

    // ---- reads, any thread ----

    /** etcd's {@code Get}: the node, with its children (all levels when {@code recursive}). */
    public V2Event get(String nodePath, boolean recursive, boolean sorted) {
        return reading(V2Stats.Counter.GETS_SUCCESS, V2Stats.Counter.GETS_FAIL, () -> {
            String p = clean(nodePath);
            V2Node n = internalGet(p);
            NodeView view = n.loaded(recursive, sorted, clock.getAsLong());
            return new V2Event(V2Event.GET, view, Optional.empty(), currentIndex, false);
        });
    }

    /**
     * etcd's {@code Watch}: from {@code sinceIndex} (0: the next change), answered from history
     * when it holds a matching event.
     *
     * @throws V2Error EVENT_INDEX_CLEARED when the index is older than the history
     */
    public V2Watcher watch(String key, boolean recursive, boolean stream, long sinceIndex) {
        lock.readLock().lock();
        try {
            long since = sinceIndex == 0 ? currentIndex + 1 : sinceIndex;
            return hub.watch(clean(key), recursive, stream, since, currentIndex);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Ends a watch the client no longer waits for. */
    public void unwatch(V2Watcher w) {
        hub.remove(w);
    }

    // ---- changes, apply thread only ----

    /** etcd's {@code Create}: fails if the node exists; with {@code unique}, under a new in-order name. */
    public V2Event create(String nodePath, boolean dir, String value, boolean unique, long expireTime) {
        return writing(V2Stats.Counter.CREATE_SUCCESS, V2Stats.Counter.CREATE_FAIL, () -> {
            V2Event e = internalCreate(nodePath, dir, value, unique, false, expireTime, V2Event.CREATE);
            hub.notify(e);
            return e;
        });
    }

    /** etcd's {@code Set}: creates or replaces a file (or creates a directory); {@code refresh} keeps the value. */
    public V2Event set(String nodePath, boolean dir, String value, long expireTime, boolean refresh) {
        lock.writeLock().lock();
        try {
            V2Event e = counted(V2Stats.Counter.SETS_SUCCESS, V2Stats.Counter.SETS_FAIL,
                    () -> internalSet(nodePath, dir, value, expireTime, refresh));
            if (refresh) {
                hub.add(e);
            } else {
                hub.notify(e);
            }
            return e;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private V2Event internalSet(String nodePath, boolean dir, String value, long expireTime, boolean refresh) {
        V2Node n = null;
        V2Error missing = null;
        try {
            n = internalGet(clean(nodePath));
        } catch (V2Error e) {
            if (e.code() != V2Error.KEY_NOT_FOUND) {
                throw e;
            }
            missing = e;
        }
        if (refresh && missing != null) {
            throw missing;
        }
        String newValue = refresh ? n.value : value;
        NodeView prev = n == null ? null : n.view(false, false, clock.getAsLong());
        V2Event e = internalCreate(nodePath, dir, newValue, false, true, expireTime, V2Event.SET);
        return new V2Event(e.action(), e.node(), Optional.ofNullable(prev), e.etcdIndex(), refresh);
    }

    /** etcd's {@code Update}: a file's value and TTL, or a directory's TTL. */
    public V2Event update(String nodePath, String newValue, long expireTime, boolean refresh) {
        return writing(V2Stats.Counter.UPDATE_SUCCESS, V2Stats.Counter.UPDATE_FAIL, () -> {
            String p = clean(nodePath);
            checkWritable(p);
            long next = currentIndex + 1;
            V2Node n = internalGet(p);
            if (n.isDir() && !newValue.isEmpty()) {
                throw new V2Error(V2Error.NOT_FILE, p, currentIndex);
            }
            String value = refresh ? n.value : newValue;
            long now = clock.getAsLong();
            NodeView prev = n.view(false, false, now);
            if (!n.isDir()) {
                n.value = value;
            }
            n.modifiedIndex = next;
            updateTtl(n, expireTime);
            changed.add(n.path);
            NodeView node = new NodeView(p, n.isDir() ? Optional.empty() : Optional.of(value), n.isDir(),
                    n.expireTime, n.ttlAt(now), Optional.empty(), next, n.createdIndex);
            V2Event e = new V2Event(V2Event.UPDATE, node, Optional.of(prev), next, refresh);
            if (refresh) {
                hub.add(e);
            } else {
                hub.notify(e);
            }
            advance(next);
            return e;
        });
    }

    /** etcd's {@code CompareAndSwap}: a file whose value and/or modified index match. */
    public V2Event compareAndSwap(String nodePath, String prevValue, long prevIndex, String value,
                                  long expireTime, boolean refresh) {
        return writing(V2Stats.Counter.COMPARE_AND_SWAP_SUCCESS, V2Stats.Counter.COMPARE_AND_SWAP_FAIL, () -> {
            String p = clean(nodePath);
            checkWritable(p);
            V2Node n = internalGet(p);
            if (n.isDir()) {
                throw new V2Error(V2Error.NOT_FILE, p, currentIndex);
            }
            String failed = n.compareFailure(prevValue, prevIndex);
            if (failed != null) {
                throw new V2Error(V2Error.TEST_FAILED, failed, currentIndex);
            }
            String newValue = refresh ? n.value : value;
            long next = currentIndex + 1;
            long now = clock.getAsLong();
            NodeView prev = n.view(false, false, now);
            n.value = newValue;
            n.modifiedIndex = next;
            updateTtl(n, expireTime);
            changed.add(n.path);
            advance(next);
            NodeView node = new NodeView(p, Optional.of(newValue), false, n.expireTime, n.ttlAt(now),
                    Optional.empty(), next, n.createdIndex);
            V2Event e = new V2Event(V2Event.COMPARE_AND_SWAP, node, Optional.of(prev), next, refresh);
            if (refresh) {
                hub.add(e);
            } else {
                hub.notify(e);
            }
            return e;
        });
    }

    /** etcd's {@code Delete}: a file, an empty directory ({@code dir}), or a directory and all below ({@code recursive}). */
    public V2Event delete(String nodePath, boolean dir, boolean recursive) {
        return writing(V2Stats.Counter.DELETE_SUCCESS, V2Stats.Counter.DELETE_FAIL, () -> {
            String p = clean(nodePath);
            checkWritable(p);
            V2Node n = internalGet(p);
            long next = currentIndex + 1;
            if (n.isDir()) {
                if (!(dir || recursive)) {
                    throw new V2Error(V2Error.NOT_FILE, n.path, currentIndex);
                }
                if (!n.children.isEmpty() && !recursive) {
                    throw new V2Error(V2Error.DIR_NOT_EMPTY, n.path, currentIndex);
                }
            }
            NodeView prev = n.view(false, false, clock.getAsLong());
            NodeView node = new NodeView(p, Optional.empty(), n.isDir(), 0, 0, Optional.empty(), next, n.createdIndex);
            V2Event e = new V2Event(V2Event.DELETE, node, Optional.of(prev), next, false);
            remove(n, e);
            advance(next);
            hub.notify(e);
            return e;
        });
    }

    /** etcd's {@code CompareAndDelete}: a file whose value and/or modified index match. */
    public V2Event compareAndDelete(String nodePath, String prevValue, long prevIndex) {
        return writing(V2Stats.Counter.COMPARE_AND_DELETE_SUCCESS, V2Stats.Counter.COMPARE_AND_DELETE_FAIL, () -> {
            String p = clean(nodePath);
            V2Node n = internalGet(p);
            if (n.isDir()) {
                throw new V2Error(V2Error.NOT_FILE, p, currentIndex);
            }
            String failed = n.compareFailure(prevValue, prevIndex);
            if (failed != null) {
                throw new V2Error(V2Error.TEST_FAILED, failed, currentIndex);
            }
            long next = currentIndex + 1;
            NodeView prev = n.view(false, false, clock.getAsLong());
            NodeView node = new NodeView(p, Optional.empty(), false, 0, 0, Optional.empty(), next, n.createdIndex);
            V2Event e = new V2Event(V2Event.COMPARE_AND_DELETE, node, Optional.of(prev), next, false);
            advance(next);
            remove(n, e);
            hub.notify(e);
            return e;
        });
    }

    /** etcd's {@code DeleteExpiredKeys}: every node whose expiry is at or before {@code cutoff} (Unix ns) expires. */
    public void deleteExpiredKeys(long cutoff) {
        lock.writeLock().lock();
        try {
            while (!ttlKeys.isEmpty() && ttlKeys.first().expireTime <= cutoff) {
                V2Node n = ttlKeys.first();
                long next = currentIndex + 1;
                advance(next);
                NodeView prev = n.view(false, false, clock.getAsLong());
                NodeView node = new NodeView(n.path, Optional.empty(), n.isDir(), 0, 0, Optional.empty(), next,
                        n.createdIndex);
                V2Event e = new V2Event(V2Event.EXPIRE, node, Optional.of(prev), next, false);
                remove(n, e);
                stats.inc(V2Stats.Counter.EXPIRE_COUNT);
                hub.notify(e);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ---- persistence, apply thread only ----

    /** What {@link #flush} hands to the backend. */
    public interface Records {
        void put(byte[] key, byte[] value);

        void delete(byte[] key);
    }

    /** Hands every node changed since the last flush (and the store index) to {@code records}. */
    public void flush(Records records) {
        lock.readLock().lock();
        try {
            for (String p : changed) {
                Optional<V2Node> n = find(p);
                if (n.isPresent()) {
                    records.put(V2Records.key(p), V2Records.encode(n.get()));
                } else {
                    records.delete(V2Records.key(p));
                }
            }
            if (indexChanged) {
                records.put(V2Records.INDEX_KEY, V2Records.encodeIndex(currentIndex));
            }
            changed.clear();
            indexChanged = false;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Becomes the store the records describe (as {@link #flush} wrote them, in key order):
     * after a restart, or a snapshot restore. Watchers stay; history starts after the index.
     */
    public void recover(Iterable<V2Records.Record> records) {
        lock.writeLock().lock();
        try {
            V2Node newRoot = newRoot();
            long index = 0;
            ttlKeys.clear();
            for (V2Records.Record r : records) {
                if (r.isIndex()) {
                    index = r.index();
                    continue;
                }
                V2Node n = r.node();
                String parentPath = parentOf(n.path);
                V2Node parent = parentPath.equals("/") ? newRoot : findIn(newRoot, parentPath).orElse(null);
                if (parent == null || !parent.isDir()) {
                    throw new IllegalStateException("v2 store: record " + n.path + " has no directory above it");
                }
                n.parent = parent;
                parent.children.put(n.name(), n);
                if (!n.isPermanent()) {
                    ttlKeys.add(n);
                }
            }
            root = newRoot;
            currentIndex = index;
            changed.clear();
            indexChanged = false;
            hub.resetHistory(index);
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ---- internals, lock held ----

    private V2Event internalCreate(String nodePath, boolean dir, String value, boolean unique, boolean replace,
                                   long expireTime, String action) {
        long curr = currentIndex;
        long next = curr + 1;
        if (unique) {
            nodePath += "/" + String.format("%020d", next);
        }
        String p = clean(nodePath);
        checkWritable(p);
        if (expireTime < 0) {
            expireTime = 0;
        }
        String dirName = parentOf(p);
        String name = p.substring(p.lastIndexOf('/') + 1);
        V2Node d = walkCreating(dirName);
        V2Node n = d.children.get(name);
        NodeView prev = null;
        if (n != null) {
            if (!replace) {
                throw new V2Error(V2Error.NODE_EXIST, p, curr);
            }
            if (n.isDir()) {
                throw new V2Error(V2Error.NOT_FILE, p, curr);
            }
            prev = n.view(false, false, clock.getAsLong());
            d.children.remove(name);
            ttlKeys.remove(n);
        }
        n = dir ? V2Node.dir(p, next, d, expireTime) : V2Node.file(p, value, next, d, expireTime);
        d.children.put(name, n);
        changed.add(p);
        long ttl = 0;
        if (!n.isPermanent()) {
            ttlKeys.add(n);
            ttl = n.ttlAt(clock.getAsLong());
        }
        advance(next);
        NodeView view = new NodeView(p, dir ? Optional.empty() : Optional.of(value), dir, n.expireTime, ttl,
                Optional.empty(), next, next);
        return new V2Event(action, view, Optional.ofNullable(prev), next, false);
    }

    /**
     * etcd's walk with {@code checkDir}: the directory at {@code dirPath}, creating the missing
     * ones (permanent, at the next index); a file on the way fails with "Not a directory". On a
     * failure nothing stays created.
     */
    private V2Node walkCreating(String dirPath) {
        V2Node curr = root;
        List<V2Node> created = new ArrayList<>();
        for (String part : dirPath.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            V2Node child = curr.children.get(part);
            if (child == null) {
                child = V2Node.dir(join(curr.path, part), currentIndex + 1, curr, 0);
                curr.children.put(part, child);
                created.add(child);
                changed.add(child.path);
            } else if (!child.isDir()) {
                for (V2Node c : created) {
                    c.parent.children.remove(c.name());
                }
                throw new V2Error(V2Error.NOT_DIR, child.path, currentIndex);
            }
            curr = child;
        }
        return curr;
    }

    private V2Node internalGet(String p) {
        V2Node curr = root;
        for (String part : p.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (!curr.isDir()) {
                throw new V2Error(V2Error.NOT_DIR, curr.path, currentIndex);
            }
            V2Node child = curr.children.get(part);
            if (child == null) {
                throw new V2Error(V2Error.KEY_NOT_FOUND, join(curr.path, part), currentIndex);
            }
            curr = child;
        }
        return curr;
    }

    private Optional<V2Node> find(String p) {
        return findIn(root, p);
    }

    private static Optional<V2Node> findIn(V2Node from, String p) {
        V2Node curr = from;
        for (String part : p.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (!curr.isDir()) {
                return Optional.empty();
            }
            curr = curr.children.get(part);
            if (curr == null) {
                return Optional.empty();
            }
        }
        return Optional.of(curr);
    }

    /** Takes {@code n} and all below it out of the tree, telling each one's watchers of {@code e}. */
    private void remove(V2Node n, V2Event e) {
        List<V2Node> all = new ArrayList<>();
        n.collect(all);
        // children before parents, as etcd's recursive remove tells them
        for (int i = all.size() - 1; i >= 0; i--) {
            V2Node each = all.get(i);
            ttlKeys.remove(each);
            changed.add(each.path);
            hub.notifyWatchers(e, each.path, true);
        }
        if (n.parent != null) {
            n.parent.children.remove(n.name());
        }
    }

    private void updateTtl(V2Node n, long expireTime) {
        ttlKeys.remove(n);
        n.expireTime = Math.max(0, expireTime);
        if (!n.isPermanent()) {
            ttlKeys.add(n);
        }
    }

    private void advance(long next) {
        currentIndex = next;
        indexChanged = true;
    }

    /** etcd's read-only set: the root and its namespaces. */
    private void checkWritable(String p) {
        if (p.equals("/") || p.equals(KEYS) || p.equals(CLUSTER)) {
            throw new V2Error(V2Error.ROOT_READ_ONLY, "/", currentIndex);
        }
    }

    /** Go's {@code path.Clean(path.Join("/", p))}: absolute, no empty, {@code .} or {@code ..} parts. */
    public static String clean(String p) {
        List<String> parts = new ArrayList<>();
        for (String part : p.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                }
                continue;
            }
            parts.add(part);
        }
        return "/" + String.join("/", parts);
    }

    static String parentOf(String p) {
        int at = p.lastIndexOf('/');
        return at <= 0 ? "/" : p.substring(0, at);
    }

    private static String join(String dir, String name) {
        return dir.equals("/") ? "/" + name : dir + "/" + name;
    }
}
