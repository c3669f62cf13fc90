package io.kvorum.consensus.raft.simulation;

import io.kvorum.consensus.raft.core.LogEntry;
import io.kvorum.consensus.raft.core.MemoryStorage;
import io.kvorum.consensus.raft.core.Snapshot;
import io.kvorum.consensus.raft.core.StateRole;
import io.kvorum.consensus.raft.core.Status;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Raft's safety properties (Figure 3 of the Raft paper), checked incrementally after every Ready
 * a member handles, against what members persisted:
 * <ul>
 *   <li>election safety: at most one leader per term;</li>
 *   <li>log matching: entries with the same index and term have the same data and the same
 *       predecessor, hence identical prefixes (checked inductively on every persisted entry);</li>
 *   <li>leader completeness: a leader's log holds every entry committed in an earlier term;</li>
 *   <li>state machine safety: no two members apply different entries at one index;</li>
 *   <li>a member's commit index never decreases, and a committed entry never changes.</li>
 * </ul>
 */
final class SafetyChecker {
    private record EntryId(long index, long term) {
    }

    private record EntryFacts(long previousTerm, int dataHash) {
    }

    /** A committed entry, and the term of the member that first saw it committed: the committing leader's. */
    private record Committed(long term, int dataHash, long commitTerm) {
    }

    private record Incarnation(long id, int number) {
    }

    private final Map<Long, Long> leaderOfTerm = new HashMap<>();
    private final Map<EntryId, EntryFacts> persisted = new HashMap<>();
    private final TreeMap<Long, Committed> committed = new TreeMap<>();
    private final Map<Long, EntryId> applied = new HashMap<>();
    private final Map<Incarnation, Long> commitSeen = new HashMap<>();
    private final Map<Incarnation, StateRole> roleSeen = new HashMap<>();

    void afterReady(SimNode node, SimNode.Outcome outcome, Collection<SimNode> all) {
        Status status = node.raft().status();
        Incarnation incarnation = new Incarnation(node.id, node.incarnation());
        checkElection(node, status, incarnation);
        checkPersisted(node, outcome);
        checkCommit(node, status, incarnation, all);
        checkApplied(node, outcome);
    }

    private void checkElection(SimNode node, Status status, Incarnation incarnation) {
        StateRole role = status.softState().role();
        StateRole before = roleSeen.put(incarnation, role);
        if (role != StateRole.LEADER) {
            return;
        }
        long term = status.hardState().term();
        Long other = leaderOfTerm.putIfAbsent(term, node.id);
        if (other != null && other != node.id) {
            throw new SafetyViolation("election safety: members " + other + " and " + node.id + " both lead term " + term);
        }
        if (before != StateRole.LEADER) {
            // Just elected: it must hold everything committed under earlier terms.
            for (var e : committed.entrySet()) {
                if (e.getValue().commitTerm() < term) {
                    requireHas(node, e.getKey(), e.getValue(), "new leader of term " + term);
                }
            }
        }
    }

    private void requireHas(SimNode leader, long index, Committed entry, String who) {
        MemoryStorage disk = leader.disk();
        if (index < disk.firstIndex() - 1) {
            return; // compacted into its snapshot, which only holds committed state
        }
        if (index > disk.lastIndex() || disk.term(index) != entry.term()) {
            throw new SafetyViolation("leader completeness: " + who + " " + leader.id + " lacks committed entry "
                    + index + "@" + entry.term() + " (its log ends at " + disk.lastIndex() + ")");
        }
    }

    private void checkPersisted(SimNode node, SimNode.Outcome outcome) {
        MemoryStorage disk = node.disk();
        for (LogEntry e : outcome.ready().entries()) {
            if (e.index() - 1 < disk.firstIndex() - 1) {
                continue; // already compacted away again
            }
            EntryFacts facts = new EntryFacts(disk.term(e.index() - 1), hash(e));
            EntryFacts known = persisted.putIfAbsent(new EntryId(e.index(), e.term()), facts);
            if (known != null && !known.equals(facts)) {
                throw new SafetyViolation("log matching: member " + node.id + " has entry " + e + " unlike another "
                        + "member's entry with the same index and term");
            }
        }
        Snapshot s = outcome.ready().snapshot();
        Committed c = committed.get(s.index());
        if (!s.isEmpty() && c != null && c.term() != s.term()) {
            throw new SafetyViolation("member " + node.id + " received a snapshot at " + s.index() + "@" + s.term()
                    + " but the entry committed there has term " + c.term());
        }
    }

    private void checkCommit(SimNode node, Status status, Incarnation incarnation, Collection<SimNode> all) {
        long commit = status.hardState().commit();
        long before = commitSeen.getOrDefault(incarnation, 0L);
        if (commit < before) {
            throw new SafetyViolation("member " + node.id + "'s commit index went back from " + before + " to " + commit);
        }
        commitSeen.put(incarnation, commit);
        MemoryStorage disk = node.disk();
        for (long i = Math.max(before + 1, disk.firstIndex()); i <= commit; i++) {
            LogEntry e = disk.entries(i, i + 1, Long.MAX_VALUE).get(0);
            Committed mine = new Committed(e.term(), hash(e), status.hardState().term());
            Committed known = committed.putIfAbsent(i, mine);
            if (known == null) {
                for (SimNode other : all) {
                    if (other.isUp() && other.raft().status().softState().role() == StateRole.LEADER
                            && other.raft().status().hardState().term() > mine.commitTerm()) {
                        requireHas(other, i, mine, "leader of term " + other.raft().status().hardState().term());
                    }
                }
            } else if (known.term() != mine.term() || known.dataHash() != mine.dataHash()) {
                throw new SafetyViolation("committed entry " + i + " was " + known.term() + " but member " + node.id
                        + " committed " + mine.term() + " there");
            }
        }
    }

    private void checkApplied(SimNode node, SimNode.Outcome outcome) {
        for (SimNode.Applied a : outcome.applied()) {
            LogEntry e = a.entry();
            EntryId mine = new EntryId(e.index(), e.term());
            EntryId known = applied.putIfAbsent(e.index(), mine);
            if (known != null && !known.equals(mine)) {
                throw new SafetyViolation("state machine safety: member " + node.id + " applied " + e + " where another "
                        + "member applied an entry of term " + known.term());
            }
        }
    }

    private static int hash(LogEntry e) {
        return Arrays.hashCode(e.data()) * 31 + e.type().ordinal();
    }
}
