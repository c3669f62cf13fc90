package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.core.ConfChange;
import io.kvorum.consensus.raft.core.ConfChangeType;
import io.kvorum.consensus.raft.core.Encoding;
import io.kvorum.consensus.raft.core.EntryType;
import io.kvorum.consensus.raft.core.HardState;
import io.kvorum.consensus.raft.core.LogEntry;
import io.kvorum.consensus.raft.core.Snapshot;
import io.kvorum.spi.consensus.Member;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code --force-new-cluster}, as etcd's {@code restartAsStandaloneNode}: a member restarting on
 * its log becomes the only member of its cluster. The entries after the last commit are dropped
 * (nobody may have agreed on them); configuration changes removing every other member (voters and
 * learners, as the snapshot and the committed log name them) are appended at the commit index, in
 * the last term, and committed at once, so the member's own log says it is alone. Its member and
 * cluster ids, its data and every committed entry stay.
 *
 * <p>Unlike etcd, which commits the changes only in memory until its first Ready, the new hard
 * state is written with them, so that a crash right after the start cannot leave removals that
 * no quorum will ever commit.
 *
 * <p>Pure: the caller writes {@link #appended()} and {@link #hardState()} to the WAL.
 *
 * @param kept      the committed entries recovered, in order
 * @param appended  the removals, after {@code kept}
 * @param hardState the recovered hard state, committed up to the last removal
 * @param removed   the members removed, ascending
 */
record StandaloneRestart(List<LogEntry> kept, List<LogEntry> appended, HardState hardState, List<Long> removed) {

    /** Every entry the restarted member's log holds after its snapshot. */
    List<LogEntry> entries() {
        List<LogEntry> all = new ArrayList<>(kept);
        all.addAll(appended);
        return all;
    }

    /** How many uncommitted entries were dropped. */
    static int uncommitted(List<LogEntry> recovered, HardState hardState) {
        return (int) recovered.stream().filter(e -> e.index() > hardState.commit()).count();
    }

    /**
     * The standalone restart of member {@code self} from what its WAL recovered.
     *
     * @throws IOException when {@code self} is not in its own configuration (etcd would add it
     *                     back, which this registry refuses for a removed member), or only learns
     */
    static StandaloneRestart of(long self, Snapshot snapshot, HardState hardState, List<LogEntry> recovered)
            throws IOException {
        List<LogEntry> kept = recovered.stream().filter(e -> e.index() <= hardState.commit()).toList();
        TreeSet<Long> ids = new TreeSet<>(Long::compareUnsigned);
        TreeSet<Long> learners = new TreeSet<>(snapshot.confState().learners());
        ids.addAll(snapshot.confState().voters());
        ids.addAll(learners);
        for (LogEntry e : kept) {
            if (e.type() != EntryType.CONF_CHANGE) {
                continue;
            }
            ConfChange cc = Encoding.decodeConfChange(e.data());
            switch (cc.type()) {
                case ADD_NODE -> {
                    ids.add(cc.nodeId());
                    learners.remove(cc.nodeId()); // added, or promoted
                }
                case ADD_LEARNER_NODE -> {
                    ids.add(cc.nodeId());
                    learners.add(cc.nodeId());
                }
                case REMOVE_NODE -> {
                    ids.remove(cc.nodeId());
                    learners.remove(cc.nodeId());
                }
            }
        }
        if (!ids.contains(self)) {
            throw new IOException("--force-new-cluster: member " + RaftNode.hex(self)
                    + " is not in its cluster's configuration " + ids.stream().map(RaftNode::hex).toList()
                    + " as of its last committed entry; it cannot become the cluster's only member");
        }
        if (learners.contains(self)) {
            throw new IOException("--force-new-cluster: member " + RaftNode.hex(self) + " is a learner; a cluster"
                    + " of one learner has no voter to lead it: recover from a voting member");
        }
        long last = kept.isEmpty() ? snapshot.index() : kept.get(kept.size() - 1).index();
        long next = last + 1;
        List<LogEntry> appended = new ArrayList<>();
        List<Long> removed = new ArrayList<>();
        for (long id : ids) {
            if (id == self) {
                continue;
            }
            byte[] context = new ChangeContext(0, false, new Member(id, "", List.of(), List.of(), false)).encode();
            appended.add(new LogEntry(hardState.term(), next++, EntryType.CONF_CHANGE,
                    Encoding.encode(new ConfChange(ConfChangeType.REMOVE_NODE, id, context))));
            removed.add(id);
        }
        HardState committed = new HardState(hardState.term(), hardState.vote(), next - 1);
        return new StandaloneRestart(kept, appended, committed, removed);
    }
}
