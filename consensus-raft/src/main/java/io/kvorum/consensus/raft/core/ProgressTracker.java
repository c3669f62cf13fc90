package io.kvorum.consensus.raft.core;

import java.util.Arrays;
import java.util.Collection;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * The configuration (voters and learners) with the leader's {@link Progress} for each member,
 * and the votes of the current election. Quorums are counted over voters only: learners receive
 * the log but their acknowledgements and votes never count. Maps are sorted so that iteration
 * order, and therefore the messages a node sends, is deterministic.
 */
final class ProgressTracker {
    private final int maxInflight;
    private final TreeSet<Long> voters = new TreeSet<>();
    private final TreeSet<Long> learners = new TreeSet<>();
    private final TreeMap<Long, Progress> progress = new TreeMap<>();
    private final TreeMap<Long, Boolean> votes = new TreeMap<>();

    ProgressTracker(int maxInflight) {
        this.maxInflight = maxInflight;
    }

    ConfState confState() {
        return new ConfState(voters.stream().toList(), learners.stream().toList());
    }

    Progress progress(long id) {
        return progress.get(id);
    }

    void visit(BiConsumer<Long, Progress> action) {
        progress.forEach(action);
    }

    Collection<Long> voters() {
        return voters;
    }

    boolean isVoter(long id) {
        return voters.contains(id);
    }

    boolean isSingleton() {
        return voters.size() == 1;
    }

    private int quorum() {
        return voters.size() / 2 + 1;
    }

    /** Makes {@code id} a voter: adds it, or promotes the learner. */
    void makeVoter(long id, long nextIndex) {
        Progress p = progress.get(id);
        if (p == null) {
            progress.put(id, fresh(nextIndex, false));
        } else {
            p.learner = false;
        }
        learners.remove(id);
        voters.add(id);
    }

    /** Makes {@code id} a learner: adds it, or demotes the voter. */
    void makeLearner(long id, long nextIndex) {
        Progress p = progress.get(id);
        if (p == null) {
            progress.put(id, fresh(nextIndex, true));
        } else {
            p.learner = true;
        }
        voters.remove(id);
        learners.add(id);
    }

    void remove(long id) {
        voters.remove(id);
        learners.remove(id);
        progress.remove(id);
        votes.remove(id);
    }

    private Progress fresh(long nextIndex, boolean learner) {
        Progress p = new Progress(nextIndex, maxInflight, learner);
        // Counts as active at first, so check-quorum does not depose the leader before the new
        // member had a chance to answer, and so it may be sent a snapshot right away.
        p.recentActive = true;
        return p;
    }

    /** The highest index acknowledged by a quorum of voters (their match indexes' quorum-th largest). */
    long committed() {
        if (voters.isEmpty()) {
            return 0;
        }
        long[] matched = voters.stream().mapToLong(id -> progress.get(id).match).toArray();
        Arrays.sort(matched);
        return matched[matched.length - quorum()];
    }

    /** Whether a quorum of voters was heard from recently; {@code self} is always counted as active. */
    boolean quorumActive(long self) {
        long active = voters.stream().filter(id -> id == self || progress.get(id).recentActive).count();
        return active >= quorum();
    }

    /** Whether the given acknowledgers include a quorum of voters. */
    boolean isQuorum(Collection<Long> acks) {
        return acks.stream().filter(voters::contains).count() >= quorum();
    }

    void resetVotes() {
        votes.clear();
    }

    /** Records the first answer of a member in this election; later ones (duplicates) do not change it. */
    void recordVote(long id, boolean granted) {
        votes.putIfAbsent(id, granted);
    }

    VoteResult tallyVotes() {
        int granted = 0;
        int rejected = 0;
        for (long id : voters) {
            Boolean v = votes.get(id);
            if (v == null) {
                continue;
            }
            if (v) {
                granted++;
            } else {
                rejected++;
            }
        }
        if (granted >= quorum()) {
            return VoteResult.WON;
        }
        return voters.size() - rejected >= quorum() ? VoteResult.PENDING : VoteResult.LOST;
    }
}
