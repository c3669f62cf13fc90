package io.kvorum.consensus.raft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.kvorum.consensus.raft.core.ConfState;
import io.kvorum.consensus.raft.core.Encoding;
import io.kvorum.consensus.raft.core.EntryType;
import io.kvorum.consensus.raft.core.LogEntry;
import io.kvorum.consensus.raft.core.Message;
import io.kvorum.consensus.raft.core.MessageType;
import io.kvorum.consensus.raft.core.Snapshot;
import io.kvorum.consensus.raft.transport.grpc.RawPeer;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sends random and mutated frames to every method of the peer port of a running three-member
 * cluster: valid frames with bytes flipped, truncated, with oversized length prefixes and counts,
 * random bytes, under another cluster's id, an unknown sender's, this member's own, none, or a
 * member's. Afterwards every member is still up, the leader is the same and writes are applied
 * everywhere.
 *
 * <p>Under a member's identity only frames that cannot be accepted as they are go out (the
 * test checks each before sending): a member's well-formed Raft messages and membership calls
 * are obeyed by design, and what a member may do is not what this test is about.
 *
 * <p>Seeded: {@code -Draft.fuzz.seed=N} repeats a run (the seed is in every failure's message)
 * or runs another (default {@value #DEFAULT_SEED}); {@code -Draft.fuzz.frames=N} sets how many
 * calls are sent (default {@value #DEFAULT_FRAMES}), within {@value #BUDGET_SECONDS} seconds at most.
 */
class PeerPortFuzzTest {
    static final long DEFAULT_SEED = 20261206;
    static final int DEFAULT_FRAMES = 1500;
    static final long BUDGET_SECONDS = 30;
    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final String[] CALLS = {MembershipCalls.CALL_MEMBERS, MembershipCalls.CALL_ADD,
        MembershipCalls.CALL_REMOVE, MembershipCalls.CALL_UPDATE, MembershipCalls.CALL_PROMOTE,
        MembershipCalls.CALL_TRANSFER, MembershipCalls.CALL_WAS_REMOVED, PeerQuestions.CALL_ASK, "raft.no-such-call"};

    @TempDir
    Path dir;

    /** Who the frames claim to come from. */
    enum Sender { FOREIGN_CLUSTER, UNKNOWN_MEMBER, ITSELF, NO_HEADERS, MISADDRESSED, MEMBER }

    @Test
    void randomAndMutatedFramesOnEveryPeerMethodLeaveTheClusterLedAndWritable() throws Exception {
        long seed = Long.getLong("raft.fuzz.seed", DEFAULT_SEED);
        int frames = Integer.getInteger("raft.fuzz.frames", DEFAULT_FRAMES);
        String run = "seed " + seed + " (repeat with -Draft.fuzz.seed=" + seed + ")";
        Random random = new Random(seed);
        try (GrpcCluster cluster = GrpcCluster.started(dir, 3)) {
            cluster.writeAndAwait("before");
            long leader = cluster.awaitLeader();
            List<Long> ids = List.copyOf(cluster.nodes.keySet());
            Map<Long, RawPeer> peers = new HashMap<>();
            Map<String, Integer> outcomes = new TreeMap<>();
            Map<Sender, Integer> sent = new EnumMap<>(Sender.class);
            long deadline = System.nanoTime() + Duration.ofSeconds(BUDGET_SECONDS).toNanos();
            try {
                for (long id : ids) {
                    peers.put(id, new RawPeer(cluster.peerUrl(id)));
                }
                for (int n = 0; n < frames && System.nanoTime() - deadline < 0; n++) {
                    long target = ids.get(random.nextInt(ids.size()));
                    long member = ids.stream().filter(id -> id != target).toList().get(random.nextInt(2));
                    Sender sender = Sender.values()[random.nextInt(Sender.values().length)];
                    String method = RawPeer.METHODS.get(random.nextInt(RawPeer.METHODS.size()));
                    Attempt attempt = attempt(random, method, sender, member, target);
                    if (attempt == null) {
                        continue; // a mutation that left a member's frame acceptable as it is
                    }
                    RawPeer.Outcome outcome = peers.get(target).send(method, attempt.headers(), attempt.frames(),
                            PATIENCE);
                    String what = run + ": " + method + " " + attempt.callMethod() + " as " + sender + " to "
                            + Long.toHexString(target) + " answered " + outcome;
                    assertNotEquals(Status.Code.DEADLINE_EXCEEDED, outcome.code(), what);
                    boolean openToAnyone = method.equals(RawPeer.CALL)
                            && attempt.callMethod().equals(MembershipCalls.CALL_MEMBERS);
                    if (sender != Sender.MEMBER && !openToAnyone) {
                        assertNotEquals(Status.Code.OK, outcome.code(), what);
                    }
                    if (sender == Sender.MEMBER && !method.equals(RawPeer.CALL)) {
                        assertNotEquals(Status.Code.OK, outcome.code(), what);
                    }
                    outcomes.merge(method + " " + outcome.code(), 1, Integer::sum);
                    sent.merge(sender, 1, Integer::sum);
                }
            } finally {
                for (RawPeer peer : peers.values()) {
                    peer.close();
                }
            }
            System.out.println("peer port fuzz, " + run + ": sent " + sent + ", answered " + outcomes);

            for (RaftNode node : cluster.nodes.values()) {
                assertFalse(node.queue.stopping(), run + ": member " + Long.toHexString(node.status().memberId())
                        + " stopped");
            }
            cluster.writeAndAwait("after");
            assertEquals(leader, cluster.awaitLeader(), run + ": the leader changed");
            for (RaftNode node : cluster.nodes.values()) {
                assertEquals(3, node.members().size(), run + ": members seen by "
                        + Long.toHexString(node.status().memberId()));
            }
            assertTrue(sent.getOrDefault(Sender.MEMBER, 0) > 0, run + ": no frame went out under a member's identity");
        }
    }

    /** What to send: headers and frames, or null when the mutation made a member's frame acceptable. */
    private record Attempt(Map<String, String> headers, List<byte[]> frames, String callMethod) {
    }

    private static Attempt attempt(Random random, String method, Sender sender, long member, long target) {
        long from = switch (sender) {
            case UNKNOWN_MEMBER -> 0x1000L + random.nextInt(1 << 20);
            case ITSELF -> target;
            default -> member;
        };
        Map<String, String> headers = new HashMap<>();
        if (sender != Sender.NO_HEADERS) {
            long cluster = sender == Sender.FOREIGN_CLUSTER ? GrpcCluster.CLUSTER_ID + 1 + random.nextInt(1000)
                    : GrpcCluster.CLUSTER_ID;
            long to = sender == Sender.MISADDRESSED ? member : target;
            headers.putAll(RawPeer.identity(cluster, from, to));
        }
        boolean asMember = sender == Sender.MEMBER;
        return switch (method) {
            case RawPeer.STREAM -> {
                List<byte[]> frames = new ArrayList<>();
                int count = 1 + random.nextInt(3);
                for (int i = 0; i < count; i++) {
                    byte[] frame = mutate(random, RawPeer.batch(messages(random, from, target)));
                    if (asMember && streamAccepts(frame, from, target)) {
                        yield null;
                    }
                    frames.add(frame);
                }
                yield new Attempt(headers, frames, "");
            }
            case RawPeer.SNAPSHOT -> {
                byte[] first = mutate(random, Encoding.encode(snapshot(from, target)));
                if (asMember && snapshotAccepts(first, from, target)) {
                    yield null;
                }
                List<byte[]> frames = new ArrayList<>(List.of(first));
                for (int i = random.nextInt(3); i > 0; i--) {
                    frames.add(randomBytes(random, 1 + random.nextInt(4096)));
                }
                yield new Attempt(headers, frames, "");
            }
            default -> {
                String call = CALLS[random.nextInt(CALLS.length)];
                headers.put("kvorum-method", call);
                boolean readOnly = call.equals(MembershipCalls.CALL_MEMBERS)
                        || call.equals(MembershipCalls.CALL_WAS_REMOVED) || call.equals(PeerQuestions.CALL_ASK)
                        || call.equals("raft.no-such-call");
                byte[] frame;
                if (asMember && !readOnly) {
                    // a member's call that acts goes out only malformed: cut short, or with a huge count
                    frame = RawPeer.callFrame(call, malformedRequest(random, call, target));
                } else {
                    frame = mutate(random, RawPeer.callFrame(call, request(random, call, target)));
                }
                yield new Attempt(headers, List.of(frame), call);
            }
        };
    }

    // ---- valid frames

    private static List<byte[]> messages(Random random, long from, long to) {
        List<byte[]> messages = new ArrayList<>();
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            MessageType type = List.of(MessageType.APP, MessageType.APP_RESP, MessageType.VOTE, MessageType.HEARTBEAT,
                    MessageType.HEARTBEAT_RESP, MessageType.READ_INDEX, MessageType.PRE_VOTE)
                    .get(random.nextInt(7));
            List<LogEntry> entries = type == MessageType.APP
                    ? List.of(new LogEntry(1, 1 + random.nextInt(50), EntryType.NORMAL, randomBytes(random, 16)))
                    : List.of();
            messages.add(Encoding.encode(Message.builder(type).from(from).to(to).term(random.nextInt(3))
                    .logTerm(random.nextInt(3)).index(random.nextInt(100)).commit(random.nextInt(100))
                    .entries(entries).build()));
        }
        return messages;
    }

    private static Message snapshot(long from, long to) {
        return Message.builder(MessageType.SNAP).from(from).to(to).term(1)
                .snapshot(new Snapshot(1, 1, new ConfState(List.of(from, to), List.of()), new byte[0])).build();
    }

    private static byte[] request(Random random, String call, long target) {
        return switch (call) {
            case MembershipCalls.CALL_ADD -> Wire.bytes(out -> {
                Wire.writeStrings(out, List.of("http://127.0.0.1:" + (1 + random.nextInt(60000))));
                out.writeBoolean(random.nextBoolean());
            });
            case MembershipCalls.CALL_UPDATE -> Wire.bytes(out -> {
                out.writeLong(target);
                Wire.writeStrings(out, List.of("http://127.0.0.1:" + (1 + random.nextInt(60000))));
            });
            case MembershipCalls.CALL_MEMBERS -> new byte[0];
            default -> Wire.bytes(out -> out.writeLong(target));
        };
    }

    /** A request that cannot be read: cut short, or a list count far past the bytes that follow. */
    private static byte[] malformedRequest(Random random, String call, long target) {
        byte[] whole = request(random, call, target);
        boolean hasCount = call.equals(MembershipCalls.CALL_ADD) || call.equals(MembershipCalls.CALL_UPDATE);
        if (hasCount && random.nextBoolean()) {
            int at = call.equals(MembershipCalls.CALL_UPDATE) ? Long.BYTES : 0;
            ByteBuffer.wrap(whole).putInt(at, List.of(Integer.MAX_VALUE, 1 << 28, -1, 100).get(random.nextInt(4)));
            return whole;
        }
        return Arrays.copyOf(whole, random.nextInt(whole.length));
    }

    // ---- mutations

    private static byte[] mutate(Random random, byte[] valid) {
        byte[] out = valid.clone();
        switch (random.nextInt(7)) {
            case 0 -> { // flipped bytes
                for (int i = 1 + random.nextInt(4); i > 0 && out.length > 0; i--) {
                    out[random.nextInt(out.length)] ^= (byte) (1 + random.nextInt(255));
                }
            }
            case 1 -> out = Arrays.copyOf(out, random.nextInt(Math.max(1, out.length))); // truncated
            case 2 -> { // an oversized length prefix
                if (out.length >= Integer.BYTES) {
                    ByteBuffer.wrap(out).putInt(0, List.of(Integer.MAX_VALUE, 1 << 30, 1 << 24, -1)
                            .get(random.nextInt(4)));
                }
            }
            case 3 -> { // an oversized count somewhere inside: 0xFF bytes read as a huge varint or int
                if (out.length > 0) {
                    int at = random.nextInt(out.length);
                    for (int i = at; i < Math.min(out.length, at + 5); i++) {
                        out[i] = (byte) 0xFF;
                    }
                }
            }
            case 4 -> out = randomBytes(random, random.nextInt(2048)); // noise
            case 5 -> { // trailing garbage
                byte[] tail = randomBytes(random, 1 + random.nextInt(64));
                out = Arrays.copyOf(out, out.length + tail.length);
                System.arraycopy(tail, 0, out, valid.length, tail.length);
            }
            default -> { // far larger than any call or chunk, well within the transport's frame limit
                if (random.nextInt(8) == 0) {
                    out = randomBytes(random, (2 << 20) + random.nextInt(1024));
                }
            }
        }
        return out;
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    // ---- what a member's frame must not be: acceptable as it is

    private static boolean streamAccepts(byte[] frame, long from, long to) {
        try {
            ByteBuffer in = ByteBuffer.wrap(frame);
            while (in.hasRemaining()) {
                int length = in.getInt();
                if (length < 0 || length > in.remaining()) {
                    return false;
                }
                byte[] m = new byte[length];
                in.get(m);
                if (!acceptable(Encoding.decodeMessage(m), from, to)) {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException malformed) {
            return false;
        }
    }

    private static boolean snapshotAccepts(byte[] frame, long from, long to) {
        try {
            Message m = Encoding.decodeMessage(frame);
            return m.type() == MessageType.SNAP && acceptable(m, from, to);
        } catch (RuntimeException malformed) {
            return false;
        }
    }

    private static boolean acceptable(Message m, long from, long to) {
        return !m.type().isLocal() && m.from() == from && m.to() == to;
    }
}
