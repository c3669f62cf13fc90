package io.kvorum.server.v2;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * etcd's watcher hub: the watchers by key, and the event history. A change notifies the watchers
 * of its key and of every directory above it (recursive ones, or any for a deletion), skipping
 * hidden keys below a watched directory.
 *
 * <p>Threads: notified by the apply loop, watched from request threads; everything here is
 * guarded by {@code lock}, held only briefly (handing an event over never blocks).
 */
final class WatcherHub {
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, List<V2Watcher>> watchers = new HashMap<>();
    private final EventHistory history;
    private final Executor executor;
    private int count;

    WatcherHub(int capacity, Executor executor) {
        this.history = new EventHistory(capacity);
        this.executor = executor;
    }

    /**
     * A watcher on {@code key} from {@code sinceIndex}; answered at once from history when an
     * event at or after that index is there.
     */
    V2Watcher watch(String key, boolean recursive, boolean stream, long sinceIndex, long storeIndex) {
        lock.lock();
        try {
            Optional<V2Event> past;
            try {
                past = history.scan(key, recursive, sinceIndex);
            } catch (V2Error e) {
                throw e.at(storeIndex);
            }
            V2Watcher w = new V2Watcher(key, recursive, stream, sinceIndex, storeIndex, executor);
            if (past.isPresent()) {
                w.offer(past.get().withEtcdIndex(storeIndex));
                if (!stream) {
                    w.close();
                    return w;
                }
            }
            List<V2Watcher> list = watchers.computeIfAbsent(key, k -> new ArrayList<>());
            list.add(w);
            count++;
            w.remover = () -> {
                if (!w.removed) {
                    w.removed = true;
                    count--;
                    list.remove(w);
                    if (list.isEmpty()) {
                        watchers.remove(key, list);
                    }
                }
            };
            return w;
        } finally {
            lock.unlock();
        }
    }

    /** Ends {@code w} and forgets it. */
    void remove(V2Watcher w) {
        lock.lock();
        try {
            w.remover.run();
            w.close();
        } finally {
            lock.unlock();
        }
    }

    /** Keeps {@code e} in history without telling watchers (a refresh). */
    void add(V2Event e) {
        lock.lock();
        try {
            history.add(e);
        } finally {
            lock.unlock();
        }
    }

    /** Keeps {@code e} in history and tells the watchers of its key and of every directory above. */
    void notify(V2Event e) {
        lock.lock();
        try {
            history.add(e);
            String key = e.node().key();
            notifyWatchers(e, "/", false);
            int at = 0;
            while ((at = key.indexOf('/', at + 1)) > 0) {
                notifyWatchers(e, key.substring(0, at), false);
            }
            if (!key.equals("/")) {
                notifyWatchers(e, key, false);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Tells the watchers of exactly {@code path} of {@code e}. */
    void notifyWatchers(V2Event e, String path, boolean deleted) {
        lock.lock();
        try {
            List<V2Watcher> list = watchers.get(path);
            if (list == null) {
                return;
            }
            for (V2Watcher w : new ArrayList<>(list)) {
                boolean original = e.node().key().equals(path);
                if ((original || !isHidden(path, e.node().key()))
                        && w.notify(e, original, deleted, () -> remove(w))) {
                    if (!w.stream) {
                        w.remover.run();
                        w.close();
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@code key} lies below a hidden name under {@code watchPath}. */
    static boolean isHidden(String watchPath, String key) {
        if (watchPath.length() > key.length()) {
            return false;
        }
        String after = V2Store.clean("/" + key.substring(watchPath.length()));
        return after.contains("/_");
    }

    void resetHistory(long currentIndex) {
        lock.lock();
        try {
            history.resetAt(currentIndex);
        } finally {
            lock.unlock();
        }
    }

    int count() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }
}
