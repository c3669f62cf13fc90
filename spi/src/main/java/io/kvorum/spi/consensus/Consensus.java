package io.kvorum.spi.consensus;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One member's consensus instance. Futures fail with {@link ConsensusException} for the failures
 * etcd clients know by name.
 */
public interface Consensus extends AutoCloseable {

    /** Recovers from its files, delivers any committed entries not yet applied, then serves. */
    void start() throws IOException;

    /**
     * Proposes bytes for the log. The future completes once the entry is accepted for ordering;
     * the server learns the outcome when the entry reaches {@link StateMachine#apply}. It fails
     * when the proposal cannot be accepted (no leader, stopped, overloaded).
     */
    CompletableFuture<Void> propose(byte[] data);

    /**
     * The index a linearizable read must wait for: once the state machine has applied it, a read
     * of local state reflects every write acknowledged before this call.
     */
    CompletableFuture<Long> readIndex();

    ConsensusStatus status();

    /** The members as this member knows them now. */
    List<Member> members();

    /** Adds a member; completes with the new member once the change is committed. */
    CompletableFuture<Member> addMember(List<String> peerUrls, boolean learner);

    CompletableFuture<Void> removeMember(long memberId);

    CompletableFuture<Void> updateMember(long memberId, List<String> peerUrls);

    CompletableFuture<Void> promoteMember(long memberId);

    CompletableFuture<Void> transferLeadership(long targetMemberId);

    /**
     * Whether the log itself survives a crash. When false, the state machine is told to make each
     * applied batch durable itself (see {@link StateMachine#apply}).
     */
    boolean logIsDurable();

    /**
     * Completes once this member has applied its own removal from the cluster; the server then
     * stops, as etcd's does. Completed on a thread of the provider's choosing that is not the
     * one applying entries. A provider without membership changes never completes it.
     */
    default CompletableFuture<Void> removal() {
        return new CompletableFuture<>();
    }

    /**
     * Completes once the membership this member has applied shows its own name and client URLs
     * (etcd's "published local member to cluster"): until then other members list it as
     * unstarted, and etcd serves no client. Completed on a thread that is not the one applying
     * entries. A provider without a membership to publish to completes it at once.
     */
    default CompletableFuture<Void> published() {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Reports this member's Raft traffic to {@code traffic} from now on (one observer; a later
     * call replaces it). A consensus that keeps no such figures ignores it: etcd's v2 statistics
     * then show none.
     */
    default void observePeerTraffic(PeerTraffic traffic) {
    }

    /**
     * Asks member {@code memberId} the question {@code topic} over the members' own channel (the
     * peer port, as etcd's peers ask each other's {@code /members/hashkv}): no client credentials
     * are needed, so it works with auth enabled. That member's answerer for {@code topic} (see
     * {@link #answer}) makes the reply. The future fails with a {@link ConsensusException} of
     * reason {@code UNSUPPORTED} when this provider has no such channel or that member no
     * answerer for the topic (the caller may then ask another way), and with another failure when
     * the member cannot be reached or its answerer failed.
     */
    default CompletableFuture<byte[]> ask(long memberId, String topic, byte[] question) {
        return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.UNSUPPORTED,
                "this consensus cannot ask its peers"));
    }

    /**
     * Answers the question {@code topic} when another member {@link #ask}s it of this one; the
     * last answerer given for a topic wins. The provider admits questions from members of this
     * cluster only, and calls {@code answerer} on a thread of its own that is not the one applying
     * entries; the answerer must not block it for long (it hands heavy work to its own bounded
     * executor). A provider that cannot be asked ignores it.
     */
    default void answer(String topic, Function<byte[], CompletableFuture<byte[]>> answerer) {
    }

    /**
     * Stops this member. A provider with leaders should hand leadership to an up-to-date peer
     * first, as etcd's {@code Stop} does, for at most its request timeout, so that the others need
     * not wait out an election timeout.
     */
    @Override
    void close() throws IOException;
}
