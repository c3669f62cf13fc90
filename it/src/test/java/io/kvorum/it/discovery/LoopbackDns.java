package io.kvorum.it.discovery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A DNS server on 127.0.0.1 (UDP, a free port) that answers SRV and A questions from records the
 * test gives, NXDOMAIN for names it does not know and no answer for other types of a known name.
 * Enough for a member's {@code --discovery-srv} lookup through {@code KVORUM_DNS_SERVER}; one
 * question per message, no compression but the answer's pointer to the question, no TCP.
 */
final class LoopbackDns implements AutoCloseable {
    private static final int TYPE_A = 1;
    private static final int TYPE_SRV = 33;
    private static final int CLASS_IN = 1;

    /** One SRV record's target (a host name) and port. */
    record Srv(String target, int port) {
    }

    private final DatagramSocket socket;
    private final Map<String, List<Srv>> srv = new ConcurrentHashMap<>();
    private final Map<String, InetAddress> a = new ConcurrentHashMap<>();
    private final List<String> questions = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;

    private LoopbackDns(DatagramSocket socket) {
        this.socket = socket;
        this.thread = new Thread(this::serve, "loopback-dns");
        thread.setDaemon(true);
    }

    static LoopbackDns start() {
        try {
            LoopbackDns dns = new LoopbackDns(new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
            dns.thread.start();
            return dns;
        } catch (SocketException e) {
            throw new UncheckedIOException("cannot bind a UDP port on 127.0.0.1", e);
        }
    }

    /** {@code 127.0.0.1:<port>}, what {@code KVORUM_DNS_SERVER} takes. */
    String address() {
        return "127.0.0.1:" + socket.getLocalPort();
    }

    LoopbackDns srv(String name, String target, int port) {
        srv.computeIfAbsent(key(name), n -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(new Srv(target, port));
        return this;
    }

    LoopbackDns a(String name, InetAddress address) {
        a.put(key(name), address);
        return this;
    }

    /** Every question asked so far, as {@code TYPE name}. */
    List<String> questions() {
        synchronized (questions) {
            return List.copyOf(questions);
        }
    }

    private static String key(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    private void serve() {
        byte[] buffer = new byte[512];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
                byte[] reply = answer(ByteBuffer.wrap(packet.getData(), 0, packet.getLength()));
                if (reply != null) {
                    socket.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                }
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    System.err.println("loopback DNS: " + e);
                }
            }
        }
    }

    /** The reply to one query; null for what is not a query of one question. */
    private byte[] answer(ByteBuffer query) {
        if (query.remaining() < 12) {
            return null;
        }
        int id = query.getShort() & 0xFFFF;
        int flags = query.getShort() & 0xFFFF;
        int questionCount = query.getShort() & 0xFFFF;
        query.position(12);
        if ((flags & 0x8000) != 0 || questionCount != 1) {
            return null;
        }
        int questionStart = query.position();
        StringBuilder name = new StringBuilder();
        int length;
        while ((length = query.get() & 0xFF) != 0) {
            byte[] label = new byte[length];
            query.get(label);
            name.append(name.length() == 0 ? "" : ".").append(new String(label, java.nio.charset.StandardCharsets.US_ASCII));
        }
        int type = query.getShort() & 0xFFFF;
        query.getShort(); // class
        byte[] question = new byte[query.position() - questionStart];
        query.get(questionStart, question);
        String asked = key(name.toString());
        questions.add((type == TYPE_SRV ? "SRV" : type == TYPE_A ? "A" : "TYPE" + type) + " " + asked);

        List<byte[]> answers = new ArrayList<>();
        if (type == TYPE_SRV && srv.containsKey(asked)) {
            for (Srv record : srv.get(asked)) {
                ByteArrayOutputStream data = new ByteArrayOutputStream();
                writeShort(data, 10); // priority
                writeShort(data, 10); // weight
                writeShort(data, record.port());
                writeName(data, record.target());
                answers.add(record(TYPE_SRV, data.toByteArray()));
            }
        } else if (type == TYPE_A && a.containsKey(asked)) {
            answers.add(record(TYPE_A, a.get(asked).getAddress()));
        }
        boolean known = srv.containsKey(asked) || a.containsKey(asked);
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        writeShort(reply, id);
        // a response, recursion desired and available; NXDOMAIN for an unknown name
        writeShort(reply, 0x8180 | (flags & 0x0100) | (known ? 0 : 3));
        writeShort(reply, 1);
        writeShort(reply, answers.size());
        writeShort(reply, 0);
        writeShort(reply, 0);
        reply.writeBytes(question);
        answers.forEach(reply::writeBytes);
        return reply.toByteArray();
    }

    /** An answer about the question's name (a pointer to offset 12), class IN, TTL 60 s. */
    private static byte[] record(int type, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeShort(out, 0xC00C);
        writeShort(out, type);
        writeShort(out, CLASS_IN);
        writeShort(out, 0);
        writeShort(out, 60);
        writeShort(out, data.length);
        out.writeBytes(data);
        return out.toByteArray();
    }

    private static void writeName(ByteArrayOutputStream out, String name) {
        for (String label : key(name).split("\\.")) {
            byte[] bytes = label.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            out.write(bytes.length);
            out.writeBytes(bytes);
        }
        out.write(0);
    }

    private static void writeShort(ByteArrayOutputStream out, int value) {
        out.write((value >> 8) & 0xFF);
        out.write(value & 0xFF);
    }

    @Override
    public void close() {
        socket.close();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
