package io.kvorum.server.mvcc;

import io.kvorum.api.mvccpb.KeyValue;
import java.util.List;

/**
 * What a range read found.
 *
 * @param kvs      the live keys in the range, ascending by key, at most the limit asked for
 *                 (empty for a count)
 * @param count    how many keys are live in the range at {@code revision}, regardless of the limit
 * @param revision the revision the range was read at
 */
public record RangeResult(List<KeyValue> kvs, long count, long revision) {
    public RangeResult {
        kvs = List.copyOf(kvs);
    }
}
