package io.kvorum.consensus.raft.node;

import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.Member;
import java.net.URI;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The members as the applied log describes them (etcd's RaftCluster): ids, names, peer and
 * client URLs, learner flags. Every member builds the same registry from the same entries, so
 * the checks here run again at apply time and refuse a change on every member alike.
 *
 * <p>Not thread-safe: the driver thread owns it and publishes copies of {@link #list()}.
 */
final class MemberRegistry {
    /** etcd allows one learner at a time. */
    static final int MAX_LEARNERS = 1;

    private final TreeMap<Long, Member> members = new TreeMap<>();
    /** Members removed so far (etcd's RemovedMemberIDs): told so when they ask, so that they stop. */
    private final TreeSet<Long> removed = new TreeSet<>();

    static MemberRegistry decode(byte[] bytes) {
        MemberRegistry registry = new MemberRegistry();
        if (bytes.length > 0) {
            Wire.read(bytes, in -> {
                Wire.readMembers(in).forEach(m -> registry.members.put(m.id(), m));
                if (in.available() > 0) { // older snapshots end after the members
                    for (int n = in.readInt(); n > 0; n--) {
                        registry.removed.add(in.readLong());
                    }
                }
                return null;
            });
        }
        return registry;
    }

    byte[] encode() {
        return Wire.bytes(out -> {
            Wire.writeMembers(out, list());
            out.writeInt(removed.size());
            for (long id : removed) {
                out.writeLong(id);
            }
        });
    }

    List<Member> list() {
        return List.copyOf(members.values());
    }

    Optional<Member> get(long id) {
        return Optional.ofNullable(members.get(id));
    }

    boolean isEmpty() {
        return members.isEmpty();
    }

    /** Every member but {@code self}, with its peer URLs, for the transport. */
    Map<Long, List<URI>> peers(long self) {
        Map<Long, List<URI>> peers = new HashMap<>();
        members.values().stream().filter(m -> m.id() != self)
                .forEach(m -> peers.put(m.id(), m.peerUrls().stream().map(URI::create).toList()));
        return peers;
    }

    /** The member whose peer URLs are exactly {@code peerUrls} (in any order). */
    static Optional<Member> byPeerUrls(List<Member> members, List<String> peerUrls) {
        Set<String> wanted = new HashSet<>(peerUrls);
        return members.stream().filter(m -> new HashSet<>(m.peerUrls()).equals(wanted)).findFirst();
    }

    // ---- checks, in etcd's order (ValidateConfigurationChange)

    Optional<ConsensusException> refuseAdd(Member m) {
        return refuseAdd(m, MAX_LEARNERS);
    }

    /** As etcd with {@code --experimental-max-learners}: at most {@code maxLearners} learners at a time. */
    Optional<ConsensusException> refuseAdd(Member m, int maxLearners) {
        if (removed.contains(m.id())) {
            return Optional.of(EtcdErrors.memberNotFound()); // etcd's ErrIDRemoved, sent as "member not found"
        }
        if (members.containsKey(m.id())) {
            return Optional.of(EtcdErrors.memberExists());
        }
        if (peerUrlsTaken(m.id(), m.peerUrls())) {
            return Optional.of(EtcdErrors.peerUrlExists());
        }
        if (m.learner() && members.values().stream().filter(Member::learner).count() >= maxLearners) {
            return Optional.of(EtcdErrors.tooManyLearners());
        }
        return Optional.empty();
    }

    Optional<ConsensusException> refusePromote(long id) {
        Member m = members.get(id);
        if (m == null) {
            return Optional.of(EtcdErrors.memberNotFound());
        }
        if (!m.learner()) {
            return Optional.of(EtcdErrors.memberNotLearner());
        }
        return Optional.empty();
    }

    Optional<ConsensusException> refuseRemove(long id) {
        return members.containsKey(id) ? Optional.empty() : Optional.of(EtcdErrors.memberNotFound());
    }

    Optional<ConsensusException> refuseUpdate(long id, List<String> peerUrls) {
        if (!members.containsKey(id)) {
            return Optional.of(EtcdErrors.memberNotFound());
        }
        if (peerUrlsTaken(id, peerUrls)) {
            return Optional.of(EtcdErrors.peerUrlExists());
        }
        return Optional.empty();
    }

    private boolean peerUrlsTaken(long except, List<String> peerUrls) {
        return members.values().stream().filter(m -> m.id() != except)
                .anyMatch(m -> m.peerUrls().stream().anyMatch(peerUrls::contains));
    }

    // ---- strict reconfiguration (etcd's IsReadyTo*): a member counts as started once it published its name

    boolean readyToAddVoter() {
        int voters = 1;
        int started = 0;
        for (Member m : voters()) {
            voters++;
            started += started(m);
        }
        if (started == 1 && voters == 2) {
            return true; // adding a second member to a one-member cluster, as when restoring one
        }
        return started >= voters / 2 + 1;
    }

    boolean readyToRemoveVoter(long id) {
        int voters = 0;
        int started = 0;
        for (Member m : voters()) {
            if (m.id() != id) {
                voters++;
                started += started(m);
            }
        }
        return started >= voters / 2 + 1;
    }

    boolean readyToPromote(long id) {
        int voters = 1; // the learner counts towards the future quorum, and as started
        int started = 1;
        for (Member m : voters()) {
            voters++;
            started += started(m);
        }
        return started >= voters / 2 + 1;
    }

    private List<Member> voters() {
        return members.values().stream().filter(m -> !m.learner()).toList();
    }

    private static int started(Member m) {
        return m.name().isEmpty() ? 0 : 1;
    }

    // ---- changes, applied once the checks passed

    void add(Member m) {
        members.put(m.id(), m);
    }

    void promote(long id) {
        Member m = members.get(id);
        members.put(id, new Member(id, m.name(), m.peerUrls(), m.clientUrls(), false));
    }

    void remove(long id) {
        if (members.remove(id) != null) {
            removed.add(id);
        }
    }

    boolean wasRemoved(long id) {
        return removed.contains(id);
    }

    Set<Long> removedIds() {
        return Set.copyOf(removed);
    }

    void updatePeerUrls(long id, List<String> peerUrls) {
        Member m = members.get(id);
        members.put(id, new Member(id, m.name(), peerUrls, m.clientUrls(), m.learner()));
    }

    /** Records a member's published name and client URLs; ignored for a member no longer present. */
    void publish(long id, String name, List<String> clientUrls) {
        Member m = members.get(id);
        if (m != null) {
            members.put(id, new Member(id, name, m.peerUrls(), clientUrls, m.learner()));
        }
    }
}
