package io.kvorum.spi.metrics;

import java.util.List;
import java.util.Objects;

/** One child of a {@link MetricFamily} at the moment it was collected: its label values and what it held. */
public sealed interface Series {

    /** The label values, in the order of the family's label names. */
    List<String> labelValues();

    /** A counter's or a gauge's value. */
    record Value(List<String> labelValues, double value) implements Series {
        public Value {
            labelValues = List.copyOf(labelValues);
        }
    }

    /**
     * A histogram's state.
     *
     * @param bucketCounts the observations at or below each bound of the family's buckets,
     *                     cumulative as Prometheus exposes them (the {@code +Inf} bucket is {@code count})
     * @param count        every observation
     * @param sum          the sum of the observations
     */
    record Distribution(List<String> labelValues, long[] bucketCounts, long count, double sum) implements Series {
        public Distribution {
            labelValues = List.copyOf(labelValues);
            Objects.requireNonNull(bucketCounts, "bucketCounts");
        }

        public long bucketCount(int i) {
            return bucketCounts[i];
        }
    }
}
