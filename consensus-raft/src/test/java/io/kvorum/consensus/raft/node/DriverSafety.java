package io.kvorum.consensus.raft.node;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Raft's safety properties as the driver-level simulation sees them after every step of a
 * member: one leader per term (election safety), one entry per applied index on every member
 * (state machine safety), and a member's commit index that never goes back within an
 * incarnation. Each check answers the violation, described, or empty. Single-threaded.
 */
final class DriverSafety {
    private record Applied(long term, int dataHash) {
    }

    private final Map<Long, Long> leaderOfTerm = new HashMap<>();
    private final Map<Long, Applied> applied = new HashMap<>();
    private final Map<String, Long> commitSeen = new HashMap<>();

    /** {@code member} leads {@code term}; true in {@code isNew} when it is the first seen to. */
    Optional<String> leads(long member, long term, boolean[] isNew) {
        Long before = leaderOfTerm.putIfAbsent(term, member);
        isNew[0] = before == null;
        if (before != null && before != member) {
            return Optional.of("election safety: " + Long.toHexString(before) + " and " + Long.toHexString(member)
                    + " both lead term " + term);
        }
        return Optional.empty();
    }

    /** An incarnation ("id/number") of a member has {@code commit} as its commit index now. */
    Optional<String> commits(String incarnation, long commit) {
        Long before = commitSeen.put(incarnation, commit);
        if (before != null && before > commit) {
            return Optional.of("commit index of " + incarnation + " went back from " + before + " to " + commit);
        }
        return Optional.empty();
    }

    /** {@code member} applied an entry of {@code term} with {@code data} at {@code index}. */
    Optional<String> applies(long member, long index, long term, byte[] data) {
        Applied entry = new Applied(term, Arrays.hashCode(data));
        Applied before = applied.putIfAbsent(index, entry);
        if (before != null && !before.equals(entry)) {
            return Optional.of("state machine safety: " + Long.toHexString(member) + " applied at " + index + " term "
                    + term + " but another member applied term " + before.term() + " there");
        }
        return Optional.empty();
    }
}
