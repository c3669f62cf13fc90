package io.kvorum.server.auth;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The key intervals of one kind of permission (read or write) a user holds through all their roles,
 * with etcd's interval semantics: an interval is {@code [begin, end)}, a single key {@code k} is
 * {@code [k, k\0)}, and an empty end (etcd's "from key") is greater than every key. A range request
 * is allowed when the intervals together cover it without a gap; a single key when one holds it.
 * Immutable.
 */
final class KeyRanges {
    static final KeyRanges EMPTY = new KeyRanges(List.of());
    /** Unsigned byte order where an empty array is greater than any other (etcd's affine bytes). */
    private static final Comparator<byte[]> AFFINE = (a, b) -> {
        if (a.length == 0) {
            return b.length == 0 ? 0 : 1;
        }
        if (b.length == 0) {
            return -1;
        }
        return Arrays.compareUnsigned(a, b);
    };

    private record Interval(byte[] begin, byte[] end) {
        /** etcd's {@code Interval.Compare(..) == 0}: the two intervals overlap. */
        boolean overlaps(Interval o) {
            boolean leftOf = AFFINE.compare(begin, o.begin) < 0 && AFFINE.compare(end, o.begin) <= 0;
            boolean rightOf = AFFINE.compare(begin, o.end) >= 0;
            return !leftOf && !rightOf;
        }
    }

    /** Sorted by begin, then end: the order etcd's interval tree visits them in. */
    private final List<Interval> intervals;

    private KeyRanges(List<Interval> intervals) {
        this.intervals = intervals;
    }

    /** Collects permission ranges as etcd's role permissions state them. */
    static final class Builder {
        private final List<Interval> intervals = new ArrayList<>();

        /** A permission on {@code key}, or on {@code [key, rangeEnd)}, or from {@code key} on when {@code rangeEnd} is {@code \0}. */
        Builder add(byte[] key, byte[] rangeEnd) {
            if (rangeEnd.length == 0) {
                intervals.add(point(key));
            } else {
                byte[] end = rangeEnd.length == 1 && rangeEnd[0] == 0 ? new byte[0] : rangeEnd;
                intervals.add(new Interval(key, end));
            }
            return this;
        }

        KeyRanges build() {
            if (intervals.isEmpty()) {
                return EMPTY;
            }
            List<Interval> sorted = new ArrayList<>(intervals);
            sorted.sort(Comparator.comparing(Interval::begin, AFFINE).thenComparing(Interval::end, AFFINE));
            return new KeyRanges(List.copyOf(sorted));
        }
    }

    private static Interval point(byte[] key) {
        byte[] end = Arrays.copyOf(key, key.length + 1);
        return new Interval(key, end);
    }

    /**
     * Whether a request on {@code key} (an empty {@code rangeEnd}) or on {@code [key, rangeEnd)}
     * ({@code \0}: from {@code key} on) is allowed, as etcd's {@code isRangeOpPermitted}.
     */
    boolean permits(byte[] key, byte[] rangeEnd) {
        if (rangeEnd.length == 0) {
            Interval p = point(key);
            return intervals.stream().anyMatch(i -> i.overlaps(p));
        }
        byte[] end = rangeEnd.length == 1 && rangeEnd[0] == 0 ? new byte[0] : rangeEnd;
        return covers(new Interval(key, end));
    }

    /** etcd's {@code Contains}: the overlapping intervals, in order, leave no gap and span the request. */
    private boolean covers(Interval wanted) {
        byte[] minBegin = null;
        byte[] maxEnd = null;
        for (Interval i : intervals) {
            if (!wanted.overlaps(i)) {
                continue;
            }
            if (minBegin == null) {
                minBegin = i.begin;
                maxEnd = i.end;
                continue;
            }
            if (AFFINE.compare(maxEnd, i.begin) < 0) {
                return false;
            }
            if (AFFINE.compare(i.end, maxEnd) > 0) {
                maxEnd = i.end;
            }
        }
        return minBegin != null && AFFINE.compare(maxEnd, wanted.end) >= 0 && AFFINE.compare(minBegin, wanted.begin) <= 0;
    }
}
