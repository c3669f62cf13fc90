package io.kvorum.consensus.raft.core;

/**
 * What the leader knows of one follower's log: {@code match}, the highest index known to be the
 * same as the leader's, and {@code next}, the next index to send.
 */
final class Progress {
    long match;
    long next;
    ProgressState state = ProgressState.PROBE;
    /** The snapshot's index while in {@link ProgressState#SNAPSHOT}. */
    long pendingSnapshot;
    /** Heard from since the last check-quorum round. */
    boolean recentActive;
    /** In probe state: a probe is out, wait for its answer (or a heartbeat answer) before the next. */
    boolean probeSent;
    boolean learner;
    final Inflights inflights;

    Progress(long next, int maxInflight, boolean learner) {
        this.next = next;
        this.inflights = new Inflights(maxInflight);
        this.learner = learner;
    }

    private void resetState(ProgressState newState) {
        probeSent = false;
        pendingSnapshot = 0;
        state = newState;
        inflights.reset();
    }

    void becomeProbe() {
        if (state == ProgressState.SNAPSHOT) {
            // The snapshot covers everything up to its index: probe right after it.
            long snapshotIndex = pendingSnapshot;
            resetState(ProgressState.PROBE);
            next = Math.max(match + 1, snapshotIndex + 1);
        } else {
            resetState(ProgressState.PROBE);
            next = match + 1;
        }
    }

    void becomeReplicate() {
        resetState(ProgressState.REPLICATE);
        next = match + 1;
    }

    void becomeSnapshot(long snapshotIndex) {
        resetState(ProgressState.SNAPSHOT);
        pendingSnapshot = snapshotIndex;
    }

    /**
     * The follower acknowledged entries up to {@code index}.
     *
     * @return whether this was news (not a stale or duplicated acknowledgement)
     */
    boolean maybeUpdate(long index) {
        boolean updated = false;
        if (match < index) {
            match = index;
            updated = true;
            probeSent = false;
        }
        next = Math.max(next, index + 1);
        return updated;
    }

    /**
     * The follower rejected an append after {@code rejected}, hinting its log matches at most up
     * to {@code matchHint}.
     *
     * @return whether the rejection is current and {@code next} moved back (send again)
     */
    boolean maybeDecrTo(long rejected, long matchHint) {
        if (state == ProgressState.REPLICATE) {
            if (rejected <= match) {
                return false; // stale: the follower has since acknowledged more
            }
            next = match + 1;
            return true;
        }
        if (next - 1 != rejected) {
            return false; // an answer to an older probe
        }
        // Never below what the follower is known to have.
        next = Math.max(Math.min(rejected, matchHint + 1), match + 1);
        probeSent = false;
        return true;
    }

    /** Records an append with entries up to {@code lastIndex}, or an empty probe (lastIndex 0). */
    void sentEntries(long lastIndex) {
        switch (state) {
            case REPLICATE -> {
                if (lastIndex > 0) {
                    next = lastIndex + 1;
                    inflights.add(lastIndex);
                }
            }
            case PROBE -> probeSent = true;
            case SNAPSHOT -> throw new IllegalStateException("no appends while a snapshot is pending");
        }
    }

    /** Whether the leader must hold back appends to this follower for now. */
    boolean isPaused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.full();
            case SNAPSHOT -> true;
        };
    }

    @Override
    public String toString() {
        return state + " match=" + match + " next=" + next + (learner ? " learner" : "")
                + (state == ProgressState.SNAPSHOT ? " snap=" + pendingSnapshot : "") + " inflight="
                + inflights.count();
    }
}
