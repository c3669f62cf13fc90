package io.kvorum.server.kv;

import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.server.mvcc.WriteTxn;
import java.util.List;

/** A write transaction as KV semantics use it: reads see its own earlier writes. */
public interface KvWriter extends KvReader {

    /** KV semantics' view of {@code txn}, on the apply thread (see {@code MvccWriter}). */
    static KvWriter over(WriteTxn txn) {
        return new MvccWriter(txn);
    }

    void put(byte[] key, byte[] value, long lease);

    /** @return the deleted key-values as they were */
    List<KeyValue> deleteRange(byte[] key, byte[] rangeEnd);

    /** The revision the store will be at when this transaction ends: one more if it changed anything. */
    long revisionAfter();
}
