package io.kvorum.server.v2;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * etcd's v2 store counters ({@code /v2/stats/store}): successes and failures per operation, the
 * keys expired, and the watchers waiting. This member's, since it started. Any thread.
 */
public final class V2Stats {
    enum Counter {
        GETS_SUCCESS("getsSuccess"), GETS_FAIL("getsFail"), SETS_SUCCESS("setsSuccess"), SETS_FAIL("setsFail"),
        DELETE_SUCCESS("deleteSuccess"), DELETE_FAIL("deleteFail"), UPDATE_SUCCESS("updateSuccess"),
        UPDATE_FAIL("updateFail"), CREATE_SUCCESS("createSuccess"), CREATE_FAIL("createFail"),
        COMPARE_AND_SWAP_SUCCESS("compareAndSwapSuccess"), COMPARE_AND_SWAP_FAIL("compareAndSwapFail"),
        COMPARE_AND_DELETE_SUCCESS("compareAndDeleteSuccess"), COMPARE_AND_DELETE_FAIL("compareAndDeleteFail"),
        EXPIRE_COUNT("expireCount");

        final String json;

        Counter(String json) {
            this.json = json;
        }
    }

    private final AtomicLongArray counts = new AtomicLongArray(Counter.values().length);

    void inc(Counter c) {
        counts.incrementAndGet(c.ordinal());
    }

    /** etcd's JSON of its {@code Stats}, fields in its order, {@code watchers} last. */
    public String json(int watchers) {
        StringBuilder out = new StringBuilder("{");
        for (Counter c : Counter.values()) {
            out.append('"').append(c.json).append("\":").append(counts.get(c.ordinal())).append(',');
        }
        return out.append("\"watchers\":").append(watchers).append('}').toString();
    }
}
