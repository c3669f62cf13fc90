package io.kvorum.server.apply;

import io.kvorum.api.etcdserverpb.Request;
import io.kvorum.server.v2.V2Error;
import io.kvorum.server.v2.V2Event;
import io.kvorum.server.v2.V2Store;

/**
 * Applies etcd's v2 requests to the {@link V2Store}, as etcd 3.4's {@code applierV2store}: PUT
 * is a set, a create ({@code prevExist=false}), an update ({@code prevExist=true}) or a
 * compare-and-swap ({@code prevValue}/{@code prevIndex}); POST an in-order create; DELETE a delete
 * or a compare-and-delete; QGET a read in log order; SYNC expires the keys whose time has come
 * by the leader's clock. Apply thread only.
 *
 * @return the event, or the {@link V2Error} the request gets (which changed nothing)
 */
final class V2Applier {
    private final V2Store store;

    V2Applier(V2Store store) {
        this.store = store;
    }

    Object apply(Request r) {
        try {
            return switch (r.getMethod()) {
                case "POST" -> store.create(r.getPath(), r.getDir(), r.getVal(), true, r.getExpiration());
                case "PUT" -> put(r);
                case "DELETE" -> r.getPrevIndex() > 0 || !r.getPrevValue().isEmpty()
                        ? store.compareAndDelete(r.getPath(), r.getPrevValue(), r.getPrevIndex())
                        : store.delete(r.getPath(), r.getDir(), r.getRecursive());
                case "QGET" -> store.get(r.getPath(), r.getRecursive(), r.getSorted());
                case "SYNC" -> {
                    store.deleteExpiredKeys(r.getTime());
                    yield V2Synced.INSTANCE;
                }
                default -> new V2Error(V2Error.RAFT_INTERNAL, "etcdserver: unknown method", 0);
            };
        } catch (V2Error e) {
            return e;
        }
    }

    private V2Event put(Request r) {
        boolean refresh = r.hasRefresh() && r.getRefresh();
        if (r.hasPrevExist()) {
            if (r.getPrevExist()) {
                if (r.getPrevIndex() == 0 && r.getPrevValue().isEmpty()) {
                    return store.update(r.getPath(), r.getVal(), r.getExpiration(), refresh);
                }
                return store.compareAndSwap(r.getPath(), r.getPrevValue(), r.getPrevIndex(), r.getVal(),
                        r.getExpiration(), refresh);
            }
            return store.create(r.getPath(), r.getDir(), r.getVal(), false, r.getExpiration());
        }
        if (r.getPrevIndex() > 0 || !r.getPrevValue().isEmpty()) {
            return store.compareAndSwap(r.getPath(), r.getPrevValue(), r.getPrevIndex(), r.getVal(),
                    r.getExpiration(), refresh);
        }
        return store.set(r.getPath(), r.getDir(), r.getVal(), r.getExpiration(), refresh);
    }

    /** The answer to a SYNC: nothing to tell. */
    enum V2Synced {
        INSTANCE
    }
}
