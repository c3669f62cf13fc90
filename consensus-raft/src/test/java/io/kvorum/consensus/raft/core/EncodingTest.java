package io.kvorum.consensus.raft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EncodingTest {
    private final SplittableRandom random = new SplittableRandom(11);

    private long anyLong() {
        // Mostly small numbers, as in practice, sometimes the largest.
        return switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> random.nextLong(200);
            case 2 -> random.nextLong(1L << 40);
            default -> Long.MAX_VALUE - random.nextLong(3);
        };
    }

    private byte[] anyBytes() {
        byte[] b = new byte[random.nextInt(40)];
        random.nextBytes(b);
        return b;
    }

    private LogEntry anyEntry() {
        return new LogEntry(anyLong(), anyLong(), EntryType.values()[random.nextInt(2)], anyBytes());
    }

    private Snapshot anySnapshot() {
        return new Snapshot(1 + random.nextLong(1000), anyLong(), new ConfState(List.of(1L, 2L, 3 + random.nextLong(1L << 40)),
                List.of((1L << 50) + random.nextLong(1L << 40))), anyBytes());
    }

    private Message anyMessage() {
        List<LogEntry> entries = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            entries.add(anyEntry());
        }
        return Message.builder(MessageType.values()[random.nextInt(MessageType.values().length)]).to(anyLong())
                .from(anyLong()).term(anyLong()).logTerm(anyLong()).index(anyLong()).entries(entries)
                .commit(anyLong()).snapshot(random.nextBoolean() ? Snapshot.EMPTY : anySnapshot())
                .reject(random.nextBoolean()).rejectHint(anyLong()).context(anyBytes()).build();
    }

    @Test
    void anEntryDecodesFromWithinALargerBufferAndNotPastItsBounds() {
        for (int i = 0; i < 200; i++) {
            LogEntry e = anyEntry();
            byte[] encoded = Encoding.encode(e);
            // the entry between random bytes, as a WAL record sits among others in its segment
            byte[] before = anyBytes();
            byte[] after = anyBytes();
            byte[] segment = new byte[before.length + encoded.length + after.length + 1];
            random.nextBytes(segment);
            System.arraycopy(encoded, 0, segment, before.length, encoded.length);
            LogEntry decoded = Encoding.decodeEntry(segment, before.length, encoded.length);
            assertEquals(e, decoded);
            // the data is the entry's own: later changes to the buffer do not reach it
            Arrays.fill(segment, (byte) 0x5A);
            assertEquals(e, decoded);
            assertThrows(EncodingException.class, () -> Encoding.decodeEntry(segment(encoded, before), before.length,
                    encoded.length - 1), "the last byte lies outside the bounds given");
            assertThrows(EncodingException.class, () -> Encoding.decodeEntry(segment(encoded, before), before.length,
                    encoded.length + 1), "one byte within the bounds is left over");
        }
    }

    /** {@code encoded} after {@code before}, and one byte more. */
    private static byte[] segment(byte[] encoded, byte[] before) {
        byte[] segment = Arrays.copyOf(before, before.length + encoded.length + 1);
        System.arraycopy(encoded, 0, segment, before.length, encoded.length);
        return segment;
    }

    @Test
    void everyValueSurvivesARoundTrip() {
        for (int i = 0; i < 500; i++) {
            Message m = anyMessage();
            assertEquals(m, Encoding.decodeMessage(Encoding.encode(m)));
            LogEntry e = anyEntry();
            assertEquals(e, Encoding.decodeEntry(Encoding.encode(e)));
            HardState h = new HardState(anyLong(), anyLong(), anyLong());
            assertEquals(h, Encoding.decodeHardState(Encoding.encode(h)));
            Snapshot s = anySnapshot();
            assertEquals(s, Encoding.decodeSnapshot(Encoding.encode(s)));
            ConfChange c = new ConfChange(ConfChangeType.values()[random.nextInt(3)], anyLong(), anyBytes());
            assertEquals(c, Encoding.decodeConfChange(Encoding.encode(c)));
        }
    }

    @Test
    void smallNumbersTakeOneByteEach() {
        byte[] bytes = Encoding.encode(Message.builder(MessageType.HEARTBEAT).to(2).from(1).term(5).commit(9).build());
        // version, type, 7 numbers, reject flag, empty context, no entries, no snapshot
        assertEquals(13, bytes.length);
    }

    @Test
    void everyTruncationIsRejected() {
        for (int i = 0; i < 50; i++) {
            byte[] full = Encoding.encode(anyMessage());
            for (int cut = 0; cut < full.length; cut++) {
                byte[] part = Arrays.copyOf(full, cut);
                assertThrows(EncodingException.class, () -> Encoding.decodeMessage(part), "cut at " + cut);
            }
        }
    }

    @Test
    void trailingBytesAndUnknownVersionsAreRejected() {
        byte[] full = Encoding.encode(new HardState(1, 2, 3));
        byte[] longer = Arrays.copyOf(full, full.length + 1);
        assertThrows(EncodingException.class, () -> Encoding.decodeHardState(longer));
        byte[] otherVersion = full.clone();
        otherVersion[0] = 2;
        EncodingException e = assertThrows(EncodingException.class, () -> Encoding.decodeHardState(otherVersion));
        assertTrue(e.getMessage().contains("version"));
    }

    @Test
    void memberIdsUseAllSixtyFourBitsAsEtcdsUint64s() {
        long high = 0x9d3c5f7e1a2b4c6dL; // negative as a Java long
        ConfChange change = new ConfChange(ConfChangeType.ADD_LEARNER_NODE, high, anyBytes());
        assertEquals(change, Encoding.decodeConfChange(Encoding.encode(change)));
        Message m = Message.builder(MessageType.APP).to(high).from(-1L).term(3).index(7).build();
        assertEquals(m, Encoding.decodeMessage(Encoding.encode(m)));
        ConfState cs = new ConfState(List.of(high, 1L), List.of(-2L));
        Snapshot s = new Snapshot(5, 2, cs, new byte[0]);
        assertEquals(s, Encoding.decodeSnapshot(Encoding.encode(s)));
    }

    @Test
    void aVarintBeyondSixtyFourBitsIsRejected() {
        // version, then a hard state whose term has an 11th significant bit past 64
        byte[] bytes = {1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF, 0x03, 0, 0};
        assertThrows(EncodingException.class, () -> Encoding.decodeHardState(bytes));
    }

    @Test
    void aLengthBeyondTheInputIsRejectedBeforeAllocating() {
        // version, then an entry whose data claims 2^40 bytes
        byte[] bytes = {1, 1, 1, 0, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x20};
        assertThrows(EncodingException.class, () -> Encoding.decodeEntry(bytes));
    }
}
