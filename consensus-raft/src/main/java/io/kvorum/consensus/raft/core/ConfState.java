package io.kvorum.consensus.raft.core;

import java.util.Collection;
import java.util.List;

/**
 * A configuration: who votes and who only learns. Kept in snapshots, since the log entries that
 * built it may have been compacted away.
 *
 * @param voters   member ids that vote and count towards quorums, ascending
 * @param learners member ids that receive the log but never count, ascending
 */
public record ConfState(List<Long> voters, List<Long> learners) {
    public static final ConfState EMPTY = new ConfState(List.of(), List.of());

    public ConfState {
        voters = sortedDistinct(voters);
        learners = sortedDistinct(learners);
        for (Long id : learners) {
            if (voters.contains(id)) {
                throw new IllegalArgumentException("member " + id + " is both voter and learner");
            }
        }
    }

    public boolean contains(long id) {
        return voters.contains(id) || learners.contains(id);
    }

    private static List<Long> sortedDistinct(Collection<Long> ids) {
        return ids.stream().sorted().distinct().toList();
    }
}
