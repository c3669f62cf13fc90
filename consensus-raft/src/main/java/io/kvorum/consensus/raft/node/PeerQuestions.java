package io.kvorum.consensus.raft.node;

import io.kvorum.spi.consensus.ConsensusException;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Questions members ask each other for the server ({@code Consensus.ask} and {@code answer}), as
 * etcd's peers ask each other's {@code /members/hashkv}: one call, {@value #CALL_ASK}, carries the
 * topic and the question's bytes to the member asked, over the peer transport, whose checks of
 * cluster and member identity admit members of this cluster only; the answerer the server gave
 * for the topic makes the reply.
 *
 * <p><b>Threads.</b> Any thread: answerers are kept in a concurrent map; a question asked goes
 * through the driver to the transport, and a question received is answered on the transport's
 * thread (never the driver), the answerer handing heavy work to its own executor.
 */
final class PeerQuestions {
    private static final System.Logger LOG = System.getLogger(PeerQuestions.class.getName());

    /** The call between members that carries a question: the topic ({@code writeUTF}), then the question's bytes. */
    static final String CALL_ASK = "raft.ask";

    private final RaftNode node;
    private final Map<String, Function<byte[], CompletableFuture<byte[]>>> answerers = new ConcurrentHashMap<>();

    PeerQuestions(RaftNode node) {
        this.node = node;
    }

    void answer(String topic, Function<byte[], CompletableFuture<byte[]>> answerer) {
        answerers.put(topic, answerer);
    }

    /** Asks {@code memberId} (this member answers itself) and completes with the body of its answer. */
    CompletableFuture<byte[]> ask(long memberId, String topic, byte[] question) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        CompletableFuture<byte[]> answer;
        if (memberId == node.memberId) {
            answer = answerHere(topic, question);
        } else {
            byte[] request = Wire.bytes(out -> {
                out.writeUTF(topic);
                out.write(question);
            });
            answer = node.queue.call(a -> node.transport.call(memberId, CALL_ASK, request).whenComplete((bytes, failure) -> {
                if (failure != null) {
                    a.completeExceptionally(failure);
                } else {
                    a.complete(bytes);
                }
            }));
        }
        answer.whenComplete((bytes, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure instanceof CompletionException c && c.getCause() != null
                        ? c.getCause() : failure);
                return;
            }
            try {
                result.complete(Wire.body(bytes));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** A member's {@value #CALL_ASK}: the answer, or a failure, as call answers are framed. */
    CompletableFuture<byte[]> onCall(byte[] request) {
        String topic = Wire.read(request, in -> in.readUTF());
        byte[] question = Wire.read(request, in -> {
            in.readUTF();
            return in.readAllBytes();
        });
        return answerHere(topic, question);
    }

    private CompletableFuture<byte[]> answerHere(String topic, byte[] question) {
        Function<byte[], CompletableFuture<byte[]>> answerer = answerers.get(topic);
        if (answerer == null) {
            return CompletableFuture.completedFuture(Wire.failure(new ConsensusException(
                    ConsensusException.Reason.UNSUPPORTED, "member " + RaftNode.hex(node.memberId)
                    + " answers no question on " + topic)));
        }
        CompletableFuture<byte[]> answer;
        try {
            answer = answerer.apply(question);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.handle((body, failure) -> {
            if (failure == null) {
                return Wire.answer(body == null ? Wire.NO_DATA : body);
            }
            Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
            if (cause instanceof ConsensusException ce) {
                return Wire.failure(ce);
            }
            LOG.log(Level.WARNING, "answering a peer's question on " + topic + " failed", cause);
            return Wire.failure(EtcdErrors.stopped());
        });
    }
}
