package io.kvorum.server.watch;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.server.mvcc.CompactedException;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.metrics.Counter;
import io.kvorum.spi.metrics.Gauge;
import io.kvorum.spi.metrics.MetricRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers committed events to watchers, on one thread of its own (etcd's watchable store).
 *
 * <p>The apply loop hands each committed batch's events over with {@link #publish}, which only
 * queues them and never waits. The hub's thread owns every watcher: a <em>synced</em> watcher gets
 * the events of each batch as it comes; an <em>unsynced</em> one (created at a past revision, or
 * fallen behind because its stream was full) is fed from the store's history in bounded chunks
 * until it reaches the newest dispatched revision, then becomes synced. If the hub itself falls
 * behind by more than {@link #MAX_PENDING_BYTES} of events, the apply loop stops queueing events
 * and queues a gap marker instead; every synced watcher then catches up from history. So memory
 * stays bounded whatever clients do, and writes never wait for watchers.
 *
 * <p>Order: a watcher's created answer is queued before any of its events, and each watcher gets
 * events in revision order, a revision's events together (split only when it asked for fragments).
 */
public final class WatchHub implements AutoCloseable {
    static final Logger LOG = LoggerFactory.getLogger(WatchHub.class);
    static final String COMPACTED_REASON = "etcdserver: mvcc: required revision has been compacted";
    static final String DUPLICATE_ID_REASON = "mvcc: duplicate watch ID provided on the WatchStream";
    /** Events the hub has not dispatched yet may hold this much before the apply loop stops queueing them. */
    static final long MAX_PENDING_BYTES = 64L << 20;
    /** How often unsynced watchers catch up when nothing else wakes the hub (etcd: 100 ms). */
    private static final long SYNC_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Events read from history per group of watchers and round. */
    static final int HISTORY_CHUNK = 1000;

    private final Supplier<MvccStore> store;
    private final LongFunction<ResponseHeader> headers;
    private final long fragmentBytes;
    private final long progressIntervalNanos;
    private final Executor sender;
    private final LinkedBlockingQueue<Object> tasks = new LinkedBlockingQueue<>();
    private final AtomicLong pendingBytes = new AtomicLong();
    /** Watchers created or being created: while there are none, the apply loop queues no events. */
    private final AtomicInteger registered = new AtomicInteger();
    /**
     * The apply loop's last revision committed while nobody watched: it queues no task for those,
     * so that a member without watchers does not wake the hub's thread on every commit; the hub
     * moves {@link #dispatched} on to it when it next looks ({@link #catchUpUnwatched}).
     */
    private volatile long unwatchedUpTo;
    /** The last revision the apply loop queued a task for (a batch of events or a gap). */
    private volatile long queuedUpTo;
    private final Thread thread;
    private final ScheduledExecutorService retries;
    /** How soon a stream whose transport was not ready looks again. */
    private static final long RETRY_MILLIS = 20;
    private volatile boolean running = true;
    /** {@code etcd_debugging_mvcc_events_total}: events the hub handed to watch streams. */
    private volatile Counter sentEvents = MetricRegistry.noop().counter("events", "");
    /** {@code etcd_debugging_mvcc_pending_events_total}: events queued for the hub, not yet dispatched. */
    private volatile Gauge pendingEvents = MetricRegistry.noop().gauge("pending", "");

    // ---- the hub thread's own state ----
    /** Every event up to this revision has been dispatched to the synced watchers. */
    private long dispatched;
    private final Map<ByteString, Set<Watcher>> syncedByKey = new HashMap<>();
    private final RangeWatchers syncedRanges = new RangeWatchers();
    private final Set<Watcher> unsynced = new LinkedHashSet<>();
    private final Map<WatchStream, StreamWatchers> streams = new IdentityHashMap<>();
    private boolean syncSoon;

    private record Batch(long revision, List<Event> events, long bytes) {
    }

    /** Events up to {@code revision} were not queued: synced watchers must read them from history. */
    private record Gap(long revision) {
    }

    /** A new watcher, with the watch id its client asked for (0: the hub picks one). */
    private record Add(long requestedId, Watcher watcher) {
    }

    private record Reject(WatchStream stream, String reason) {
    }

    private record Cancel(WatchStream stream, long id) {
    }

    private record Progress(WatchStream stream) {
    }

    private record CloseStream(WatchStream stream) {
    }

    private record Room(WatchStream stream) {
    }

    private record StatsRequest(CompletableFuture<Stats> answer) {
    }

    /**
     * A moment's view of the hub (etcd's watcher gauges): open streams, watchers, how many of them
     * are catching up (etcd's "slow" watchers), the most bytes any stream holds for its client, and
     * the bytes of events queued for the hub.
     */
    public record Stats(int streams, int watchers, int unsynced, long maxStreamQueuedBytes, long pendingEventBytes) {
    }

    /**
     * @param store           the store to read history from (a snapshot restore may replace it)
     * @param headers         a response header for a revision, with this member's ids and term
     * @param fragmentBytes   above this size a response for a watcher that asked for fragments is split
     * @param progressInterval etcd's {@code --experimental-watch-progress-notify-interval}, in nanoseconds
     * @param sender          where streams send their responses from
     */
    public WatchHub(Supplier<MvccStore> store, LongFunction<ResponseHeader> headers, long fragmentBytes,
                    long progressInterval, Executor sender) {
        this.store = store;
        this.headers = headers;
        this.fragmentBytes = fragmentBytes;
        this.progressIntervalNanos = progressInterval;
        this.sender = sender;
        this.dispatched = store.get().currentRevision();
        this.unwatchedUpTo = dispatched;
        this.queuedUpTo = dispatched;
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kvorum-watch-retry");
            t.setDaemon(true);
            return t;
        });
        this.thread = new Thread(this::run, "kvorum-watch");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Records from now on the events sent to watchers ({@code etcd_debugging_mvcc_events_total}) and
     * those committed but not yet dispatched ({@code etcd_debugging_mvcc_pending_events_total}).
     */
    public void recordInto(MetricRegistry registry) {
        sentEvents = registry.counter("etcd_debugging_mvcc_events_total", "Total number of events sent by this member.");
        pendingEvents = registry.gauge("etcd_debugging_mvcc_pending_events_total", "Total number of pending events to be sent.");
    }

    /** A new stream whose responses go to {@code sink}. */
    public WatchStream openStream(WatchStream.Sink sink) {
        return new WatchStream(this, sink, sender);
    }

    /**
     * The apply loop's hand-over, after a commit made {@code revision} readable: the events of the
     * committed batch, in revision order. Never blocks.
     */
    public void publish(long revision, List<Event> events) {
        if (registered.get() == 0) {
            unwatchedUpTo = revision;
            return;
        }
        long bytes = 0;
        for (Event e : events) {
            bytes += 64 + e.getKv().getKey().size() + e.getKv().getValue().size()
                    + e.getPrevKv().getKey().size() + e.getPrevKv().getValue().size();
        }
        queuedUpTo = revision;
        if (pendingBytes.addAndGet(bytes) > MAX_PENDING_BYTES) {
            pendingBytes.addAndGet(-bytes);
            tasks.add(new Gap(revision));
        } else {
            pendingEvents.add(events.size());
            tasks.add(new Batch(revision, events, bytes));
        }
    }

    /**
     * The apply loop's hand-over after a snapshot restore moved the store to {@code revision}:
     * no events come for the revisions the snapshot covered, so every synced watcher reads them
     * from the restored store's history (or is canceled with its compacted revision, if the image
     * no longer holds them), and watchers created from now on start after {@code revision}.
     */
    public void restored(long revision) {
        queuedUpTo = revision;
        tasks.add(new Gap(revision));
    }

    /** The hub's state as its thread sees it between two steps. */
    public CompletableFuture<Stats> stats() {
        CompletableFuture<Stats> answer = new CompletableFuture<>();
        tasks.add(new StatsRequest(answer));
        return answer;
    }

    @Override
    public void close() {
        running = false;
        retries.shutdownNow();
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- requests from streams, any thread ----

    void add(long requestedId, Watcher w) {
        registered.incrementAndGet();
        tasks.add(new Add(requestedId, w));
    }

    void reject(WatchStream s, String reason) {
        tasks.add(new Reject(s, reason));
    }

    void cancel(WatchStream s, long id) {
        tasks.add(new Cancel(s, id));
    }

    void requestProgress(WatchStream s) {
        tasks.add(new Progress(s));
    }

    void closeStream(WatchStream s) {
        tasks.add(new CloseStream(s));
    }

    /** Calls {@link WatchStream#onReady} a little later. */
    void retryLater(WatchStream s) {
        retries.schedule(s::onReady, RETRY_MILLIS, TimeUnit.MILLISECONDS);
    }

    void roomAvailable(WatchStream s) {
        tasks.add(new Room(s));
    }

    // ---- the hub thread ----

    private void run() {
        long now = System.nanoTime();
        long nextSync = now + SYNC_INTERVAL_NANOS;
        long nextProgress = now + progressDelay();
        while (running) {
            try {
                now = System.nanoTime();
                long wait = syncSoon ? 0 : Math.max(0, Math.min(nextSync, nextProgress) - now);
                Object task = tasks.poll(wait, TimeUnit.NANOSECONDS);
                // take what is queued, but let catching up and progress have their turn
                for (int i = 0; task != null && i < 10_000; i++) {
                    handle(task);
                    task = tasks.poll();
                }
                if (task != null) {
                    handle(task);
                }
                catchUpUnwatched();
                now = System.nanoTime();
                if (syncSoon || now >= nextSync) {
                    syncSoon = syncUnsynced();
                    nextSync = now + SYNC_INTERVAL_NANOS;
                }
                if (now >= nextProgress) {
                    progressTick();
                    nextProgress = now + progressDelay();
                }
            } catch (InterruptedException e) {
                if (!running) {
                    return;
                }
            } catch (RuntimeException | Error e) {
                // one bad step must not stop every watcher; the state stays consistent per task
                LOG.error("watch hub step failed", e);
            }
        }
    }

    /** etcd's progress interval plus up to 10 % jitter, so that streams do not tick together. */
    private long progressDelay() {
        return progressIntervalNanos + ThreadLocalRandom.current().nextLong(Math.max(1, progressIntervalNanos / 10));
    }

    /**
     * Moves {@link #dispatched} on to the last revision committed while nobody watched, once every
     * task the apply loop queued before it is handled: then no batch of an earlier revision can
     * follow. (The apply loop wrote its queued revision before the unwatched one, and a watcher
     * being added counts as registered from before its task is queued, so a watcher's task finds
     * every earlier batch handled.)
     */
    private void catchUpUnwatched() {
        long unwatched = unwatchedUpTo;
        if (unwatched > dispatched && dispatched >= queuedUpTo) {
            gap(unwatched);
        }
    }

    private void handle(Object task) {
        if (!(task instanceof Batch || task instanceof Gap)) {
            // what this task answers or starts is as of the latest revision handed over
            catchUpUnwatched();
        }
        if (task instanceof Batch b) {
            pendingBytes.addAndGet(-b.bytes());
            pendingEvents.add(-b.events().size());
            dispatch(b);
        } else if (task instanceof Gap g) {
            gap(g.revision());
        } else if (task instanceof Add a) {
            addWatcher(a.requestedId(), a.watcher());
        } else if (task instanceof Reject r) {
            r.stream().offer(List.of(WatchResponse.newBuilder()
                    .setHeader(headers.apply(dispatched))
                    .setWatchId(-1).setCreated(true).setCanceled(true).setCancelReason(r.reason())
                    .build()), true);
        } else if (task instanceof Cancel c) {
            StreamWatchers ws = streams.get(c.stream());
            Watcher w = ws == null ? null : ws.remove(c.id());
            if (w == null) {
                return; // an id not in use gets no answer, as in etcd
            }
            unindex(w);
            c.stream().offer(List.of(WatchResponse.newBuilder()
                    .setHeader(headers.apply(dispatched)).setWatchId(c.id()).setCanceled(true).build()), true);
        } else if (task instanceof Progress p) {
            progressAll(p.stream());
        } else if (task instanceof CloseStream c) {
            StreamWatchers ws = streams.remove(c.stream());
            if (ws != null) {
                ws.all().forEach(this::unindex);
            }
        } else if (task instanceof Room) {
            syncSoon = !unsynced.isEmpty();
        } else if (task instanceof StatsRequest r) {
            int watchers = 0;
            long maxQueued = 0;
            for (Map.Entry<WatchStream, StreamWatchers> e : streams.entrySet()) {
                watchers += e.getValue().live();
                maxQueued = Math.max(maxQueued, e.getKey().queuedBytes());
            }
            r.answer().complete(new Stats(streams.size(), watchers, unsynced.size(), maxQueued, pendingBytes.get()));
        }
    }

    private void addWatcher(long requestedId, Watcher w) {
        if (w.stream.isClosed()) {
            // its close is handled now or soon: nothing would remove the watcher later
            registered.decrementAndGet();
            return;
        }
        if (!streams.computeIfAbsent(w.stream, s -> new StreamWatchers()).add(requestedId, w)) {
            registered.decrementAndGet();
            w.stream.offer(List.of(WatchResponse.newBuilder()
                    .setHeader(headers.apply(dispatched))
                    .setWatchId(-1).setCreated(true).setCanceled(true).setCancelReason(DUPLICATE_ID_REASON)
                    .build()), true);
            return;
        }
        if (w.nextRevision == 0) {
            w.nextRevision = dispatched + 1;
        }
        w.stream.offer(List.of(WatchResponse.newBuilder().setHeader(headers.apply(dispatched))
                .setWatchId(w.id).setCreated(true).build()), true);
        if (w.nextRevision > dispatched) {
            markSynced(w);
        } else {
            unsynced.add(w);
            syncSoon = true;
        }
    }

    private void markSynced(Watcher w) {
        w.synced = true;
        if (w.isSingleKey()) {
            syncedByKey.computeIfAbsent(ByteString.copyFrom(w.key), k -> new LinkedHashSet<>()).add(w);
        } else {
            syncedRanges.add(w);
        }
    }

    private void markUnsynced(Watcher w, long nextRevision) {
        removeSynced(w);
        w.synced = false;
        w.nextRevision = Math.max(w.nextRevision, nextRevision);
        unsynced.add(w);
    }

    private void removeSynced(Watcher w) {
        if (w.isSingleKey()) {
            ByteString k = ByteString.copyFrom(w.key);
            Set<Watcher> set = syncedByKey.get(k);
            if (set != null && set.remove(w) && set.isEmpty()) {
                syncedByKey.remove(k);
            }
        } else {
            syncedRanges.remove(w);
        }
    }

    private void unindex(Watcher w) {
        if (w.removed) {
            return;
        }
        w.removed = true;
        registered.decrementAndGet();
        if (w.synced) {
            removeSynced(w);
        } else {
            unsynced.remove(w);
        }
    }

    private void dispatch(Batch b) {
        if (b.revision() <= dispatched) {
            return;
        }
        long unwatched = unwatchedUpTo;
        if (unwatched > dispatched && unwatched < b.revision()) {
            // committed while nobody watched, before this batch: every batch before it was handled
            gap(unwatched);
        }
        Map<Watcher, List<Event>> matched = new IdentityHashMap<>();
        for (Event e : b.events()) {
            Set<Watcher> byKey = syncedByKey.isEmpty() ? null : syncedByKey.get(e.getKv().getKey());
            if (byKey != null) {
                for (Watcher w : byKey) {
                    matched.computeIfAbsent(w, x -> new ArrayList<>()).add(e);
                }
            }
            if (!syncedRanges.isEmpty()) {
                syncedRanges.forEachCovering(e.getKv().getKey().toByteArray(),
                        w -> matched.computeIfAbsent(w, x -> new ArrayList<>()).add(e));
            }
        }
        dispatched = b.revision();
        if (matched.isEmpty()) {
            return;
        }
        ResponseHeader header = headers.apply(b.revision());
        // PUT events come without prev_kv: read once per event for the watchers that want it
        Map<Event, Event> withPrevKv = new IdentityHashMap<>();
        for (Map.Entry<Watcher, List<Event>> m : matched.entrySet()) {
            Watcher w = m.getKey();
            List<Event> events = select(w, m.getValue());
            if (events.isEmpty()) {
                continue;
            }
            if (w.prevKv) {
                events = withPrevKvs(events, withPrevKv);
            }
            if (w.stream.offer(responses(w, header, events), false)) {
                sentEvents.inc(events.size());
                w.sentSinceTick = true;
            } else {
                // the client does not keep up: it reads these and what follows from history
                markUnsynced(w, events.get(0).getKv().getModRevision());
                syncSoon = true;
            }
        }
    }

    private void gap(long revision) {
        if (revision <= dispatched) {
            return;
        }
        List<Watcher> synced = new ArrayList<>(syncedRanges.all());
        syncedByKey.values().forEach(synced::addAll);
        for (Watcher w : synced) {
            markUnsynced(w, dispatched + 1);
        }
        dispatched = revision;
        syncSoon = !unsynced.isEmpty();
    }

    /**
     * One round of catching up: each unsynced watcher whose stream has room gets the next chunk of
     * its history; watchers at the same revision share one read.
     *
     * @return whether more history is waiting for watchers that have room
     */
    private boolean syncUnsynced() {
        if (unsynced.isEmpty()) {
            return false;
        }
        TreeMap<Long, List<Watcher>> groups = new TreeMap<>();
        for (Watcher w : unsynced) {
            if (w.stream.hasRoom()) {
                groups.computeIfAbsent(w.nextRevision, r -> new ArrayList<>()).add(w);
            }
        }
        boolean more = false;
        MvccStore s = store.get();
        for (Map.Entry<Long, List<Watcher>> group : groups.entrySet()) {
            long from = group.getKey();
            if (from > dispatched) {
                group.getValue().forEach(w -> {
                    unsynced.remove(w);
                    markSynced(w);
                });
                continue;
            }
            MvccStore.History history;
            try {
                history = s.history(from, dispatched, HISTORY_CHUNK);
            } catch (CompactedException e) {
                long compacted = s.compactedRevision();
                for (Watcher w : group.getValue()) {
                    compacted(w, compacted);
                }
                continue;
            }
            ResponseHeader header = headers.apply(dispatched);
            int n = history.events().size();
            KeyValue[] prevKvs = new KeyValue[n];
            byte[][] keys = new byte[n][];
            for (int i = 0; i < n; i++) {
                keys[i] = history.events().get(i).getKv().getKey().toByteArray();
            }
            for (Watcher w : group.getValue()) {
                List<Event> events = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    Event e = history.events().get(i);
                    if (w.covers(keys[i]) && w.wants(e)) {
                        events.add(w.prevKv ? WatchResponses.withPrevKv(s, e, prevKvs, i) : e);
                    }
                }
                if (!events.isEmpty()) {
                    if (!w.stream.offer(responses(w, header, events), false)) {
                        continue;
                    }
                    sentEvents.inc(events.size());
                    w.sentSinceTick = true;
                }
                w.nextRevision = history.lastRevision() + 1;
                if (w.nextRevision > dispatched) {
                    unsynced.remove(w);
                    markSynced(w);
                } else {
                    more = true;
                }
            }
        }
        return more;
    }

    /** etcd's answer to a watcher whose next revision was compacted away: it is canceled. */
    private void compacted(Watcher w, long compactedRevision) {
        unsynced.remove(w);
        // it keeps its id on the stream (StreamWatchers) until the client cancels it
        w.removed = true;
        registered.decrementAndGet();
        w.stream.offer(List.of(WatchResponse.newBuilder()
                .setHeader(headers.apply(0))
                .setWatchId(w.id).setCompactRevision(compactedRevision).setCanceled(true).build()), true);
    }

    /** {@code events} with each PUT's {@code prev_kv}, taken from {@code cache} or read into it. */
    private List<Event> withPrevKvs(List<Event> events, Map<Event, Event> cache) {
        List<Event> out = new ArrayList<>(events.size());
        for (Event e : events) {
            if (e.getType() != Event.EventType.PUT || e.hasPrevKv()) {
                out.add(e);
            } else {
                out.add(cache.computeIfAbsent(e, put -> WatchResponses.withPrevKv(store.get(), put, new KeyValue[1], 0)));
            }
        }
        return out;
    }

    /** A live batch's events for one watcher: those at or after its next revision that its filters pass. */
    private static List<Event> select(Watcher w, List<Event> events) {
        List<Event> out = new ArrayList<>(events.size());
        for (Event e : events) {
            if (e.getKv().getModRevision() < w.nextRevision || !w.wants(e)) {
                continue;
            }
            out.add(w.prevKv || !e.hasPrevKv() ? e : e.toBuilder().clearPrevKv().build());
        }
        return out;
    }

    private List<WatchResponse> responses(Watcher w, ResponseHeader header, List<Event> events) {
        return WatchResponses.of(w, header, events, fragmentBytes);
    }

    private void progressAll(WatchStream s) {
        StreamWatchers ws = streams.get(s);
        if (ws == null || ws.live() == 0) {
            return;
        }
        for (Watcher w : ws.all()) {
            if (!w.removed && !w.synced) {
                return;
            }
        }
        s.offer(List.of(WatchResponse.newBuilder().setHeader(headers.apply(dispatched)).setWatchId(-1).build()), true);
    }

    private void progressTick() {
        for (StreamWatchers ws : streams.values()) {
            for (Watcher w : ws.all()) {
                if (!w.progressNotify || w.removed) {
                    continue;
                }
                if (!w.sentSinceTick && w.synced) {
                    w.stream.offer(List.of(WatchResponse.newBuilder().setHeader(headers.apply(dispatched))
                            .setWatchId(w.id).build()), false);
                }
                w.sentSinceTick = false;
            }
        }
    }
}
