package io.kvorum.it.errors;

import io.kvorum.api.etcdserverpb.RangeResponse;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.it.client.RawEtcdClient;
import java.util.List;

/** The store's revision and every key-value, to show that a rejected request changed nothing. */
record StoreState(long revision, List<KeyValue> kvs) {

    static StoreState of(RawEtcdClient client) {
        RangeResponse everything = client.everything();
        return new StoreState(everything.getHeader().getRevision(), List.copyOf(everything.getKvsList()));
    }
}
