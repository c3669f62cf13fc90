package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.core.RawNode;
import io.kvorum.consensus.raft.transport.Transport;
import java.lang.System.Logger.Level;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * etcd's adjustTicks: once after a start, fast-forwards the election timer so that the first
 * election does not wait a whole election timeout for a leader that is not there.
 * <ul>
 *   <li>A cluster of one member advances {@code electionTicks - 1} ticks at once, whatever
 *       {@code --initial-election-tick-advance} says (as etcd: nobody else can lead), and then
 *       campaigns at once rather than wait out the rest of its randomized timeout.</li>
 *   <li>With more members and the flag on, it advances {@code electionTicks - 2} ticks once more
 *       than one peer answers (etcd's "active peers", which it counts by connected streams; here
 *       a peer is active once it answers a members call, which its transport serves without its
 *       Raft driver). It gives up after etcd's 5 s: a member whose peers are down gains nothing.</li>
 * </ul>
 * A member that already hears from a leader loses nothing: each heartbeat resets its timer.
 *
 * <p><b>Threads.</b> The Raft driver calls {@link #atStart} and {@link #tick}; answers to the
 * probes come back to it as tasks. {@link #advanced()} may be read from any thread.
 */
final class InitialTickAdvance {
    private static final System.Logger LOG = System.getLogger(InitialTickAdvance.class.getName());
    /** etcd waits this long for peer connections (rafthttp's ConnReadTimeout). */
    private static final long PEER_WAIT_MILLIS = 5000;

    private final boolean enabled;
    private final int electionTicks;
    private final long giveUpTicks;
    private final String member;
    private final Set<Long> active = new HashSet<>();
    private final Set<Long> probing = new HashSet<>();
    private boolean waiting;
    private long ticks;
    private volatile int advanced;

    /**
     * @param enabled        {@code --initial-election-tick-advance}
     * @param electionTicks  the election timeout in heartbeat ticks
     * @param heartbeatMillis the length of a tick
     * @param member         this member's id in hex, for the log
     */
    InitialTickAdvance(boolean enabled, int electionTicks, long heartbeatMillis, String member) {
        this.enabled = enabled;
        this.electionTicks = electionTicks;
        this.giveUpTicks = Math.max(1, PEER_WAIT_MILLIS / heartbeatMillis);
        this.member = member;
    }

    /** Decides, once the log is replayed, whether to advance now, later, or never. */
    void atStart(RawNode raw, int clusterMembers) {
        if (clusterMembers == 1) {
            LOG.log(Level.INFO, "member {0} started as single-node; fast-forwarding {1} ticks (election ticks {2})",
                    member, electionTicks - 1, electionTicks);
            advance(raw, electionTicks - 1);
            // etcd then waits out the rest of its randomized timeout (up to a whole election
            // timeout more); with nobody else to hear from, campaigning now changes nothing else.
            raw.campaign();
        } else if (!enabled) {
            LOG.log(Level.INFO, "member {0} skipping initial election tick advance (election ticks {1})",
                    member, electionTicks);
        } else {
            LOG.log(Level.INFO, "member {0} starting initial election tick advance (election ticks {1})",
                    member, electionTicks);
            waiting = true;
        }
    }

    /**
     * On every driver tick while waiting for peers: probes the peers not yet heard from and
     * advances once more than one has answered.
     *
     * @param onDriver runs a task on the driver thread (where the answers are counted)
     */
    void tick(RawNode raw, Supplier<Collection<Long>> peers, Transport transport, Consumer<Runnable> onDriver) {
        if (!waiting) {
            return;
        }
        if (active.size() > 1) {
            waiting = false;
            LOG.log(Level.INFO, "member {0} initialized peer connection; fast-forwarding {1} ticks (election ticks {2})"
                    + " with {3} active peer(s)", member, electionTicks - 2, electionTicks, active.size());
            advance(raw, electionTicks - 2);
            return;
        }
        if (++ticks >= giveUpTicks) {
            waiting = false; // as etcd: no active peers in time, advancing would gain nothing
            return;
        }
        for (long peer : peers.get()) {
            if (!active.contains(peer) && probing.add(peer)) {
                transport.call(peer, MembershipCalls.CALL_MEMBERS, new byte[0]).whenComplete((answer, failure) ->
                        onDriver.accept(() -> {
                            probing.remove(peer);
                            if (failure == null) {
                                active.add(peer);
                            }
                        }));
            }
        }
    }

    /** The ticks advanced so far (0 until the advance, if it ever comes). */
    int advanced() {
        return advanced;
    }

    private void advance(RawNode raw, int by) {
        raw.advanceTicks(by);
        advanced = by;
    }
}
