package io.kvorum.server.apply;

import io.kvorum.api.mvccpb.KeyValue;
import java.util.List;

/** A write transaction as KV semantics use it: reads see its own earlier writes. */
interface KvWriter extends KvReader {

    void put(byte[] key, byte[] value, long lease);

    /** @return the deleted key-values as they were */
    List<KeyValue> deleteRange(byte[] key, byte[] rangeEnd);

    /** The revision the store will be at when this transaction ends: one more if it changed anything. */
    long revisionAfter();
}
