package io.kvorum.server.watch;

import com.google.protobuf.CodedOutputStream;
import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.server.mvcc.CompactedException;
import io.kvorum.server.mvcc.FutureRevisionException;
import io.kvorum.server.mvcc.MvccStore;
import java.util.ArrayList;
import java.util.List;

/**
 * How the hub turns a watcher's events into responses: etcd's fragments for a watcher that asked
 * for them, and a put's {@code prev_kv}, which the store does not keep with the event.
 */
final class WatchResponses {
    private WatchResponses() {
    }

    /** One response, or etcd's fragments of it when the watcher asked for them and it is too large. */
    static List<WatchResponse> of(Watcher w, ResponseHeader header, List<Event> events, long fragmentBytes) {
        WatchResponse whole = WatchResponse.newBuilder().setHeader(header).setWatchId(w.id).addAllEvents(events).build();
        if (!w.fragment || whole.getSerializedSize() < fragmentBytes || events.size() < 2) {
            return List.of(whole);
        }
        List<WatchResponse> parts = new ArrayList<>();
        int i = 0;
        while (i < events.size()) {
            WatchResponse.Builder part = WatchResponse.newBuilder().setHeader(header).setWatchId(w.id).setFragment(true);
            long size = part.build().getSerializedSize();
            int n = 0;
            while (i < events.size()) {
                long eventSize = CodedOutputStream.computeMessageSize(
                        WatchResponse.EVENTS_FIELD_NUMBER, events.get(i));
                if (n > 0 && size + eventSize >= fragmentBytes) {
                    break;
                }
                part.addEvents(events.get(i));
                size += eventSize;
                n++;
                i++;
            }
            if (i == events.size()) {
                part.setFragment(false);
            }
            parts.add(part.build());
        }
        return parts;
    }

    /** The event with the key's previous version, read at the revision before; none if that is compacted. */
    static Event withPrevKv(MvccStore s, Event e, KeyValue[] cache, int i) {
        KeyValue kv = e.getKv();
        boolean create = e.getType() == Event.EventType.PUT && kv.getCreateRevision() == kv.getModRevision();
        if (create) {
            return e;
        }
        if (cache[i] == null) {
            try {
                List<KeyValue> prev = s.range(kv.getKey().toByteArray(), null, kv.getModRevision() - 1, 1).kvs();
                cache[i] = prev.isEmpty() ? KeyValue.getDefaultInstance() : prev.get(0);
            } catch (CompactedException | FutureRevisionException ex) {
                cache[i] = KeyValue.getDefaultInstance();
            }
        }
        return cache[i] == KeyValue.getDefaultInstance() ? e : e.toBuilder().setPrevKv(cache[i]).build();
    }
}
