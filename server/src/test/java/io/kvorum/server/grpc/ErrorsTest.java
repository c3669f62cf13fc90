package io.kvorum.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.ConsensusException.Reason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Every way consensus can fail reaches a client as etcd's code and exact message. */
class ErrorsTest {

    private static void assertStatus(Status.Code code, String message, StatusRuntimeException s) {
        assertEquals(code, s.getStatus().getCode(), s.toString());
        assertEquals(message, s.getStatus().getDescription());
    }

    @Test
    void everyConsensusReasonHasEtcdsCodeAndMessage() {
        Map<Reason, Object[]> expected = new EnumMap<>(Reason.class);
        expected.put(Reason.NO_LEADER, new Object[] {Status.Code.UNAVAILABLE, "etcdserver: no leader"});
        expected.put(Reason.NOT_LEADER, new Object[] {Status.Code.FAILED_PRECONDITION, "etcdserver: not leader"});
        expected.put(Reason.LEADER_CHANGED, new Object[] {Status.Code.UNAVAILABLE, "etcdserver: leader changed"});
        expected.put(Reason.STOPPED, new Object[] {Status.Code.UNAVAILABLE, "etcdserver: server stopped"});
        expected.put(Reason.TIMEOUT, new Object[] {Status.Code.UNAVAILABLE, "etcdserver: request timed out"});
        expected.put(Reason.TOO_MANY_REQUESTS, new Object[] {Status.Code.UNKNOWN, "etcdserver: too many requests"});
        expected.put(Reason.MEMBER_NOT_FOUND, new Object[] {Status.Code.NOT_FOUND, "etcdserver: member not found"});
        expected.put(Reason.MEMBER_EXISTS, new Object[] {Status.Code.FAILED_PRECONDITION, "etcdserver: member ID already exist"});
        expected.put(Reason.PEER_URL_EXISTS, new Object[] {Status.Code.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists"});
        expected.put(Reason.MEMBER_NOT_LEARNER, new Object[] {Status.Code.FAILED_PRECONDITION,
                "etcdserver: can only promote a learner member"});
        expected.put(Reason.LEARNER_NOT_READY, new Object[] {Status.Code.FAILED_PRECONDITION,
                "etcdserver: can only promote a learner member which is in sync with leader"});
        expected.put(Reason.TOO_MANY_LEARNERS, new Object[] {Status.Code.FAILED_PRECONDITION,
                "etcdserver: too many learner members in cluster"});
        expected.put(Reason.NOT_ENOUGH_STARTED_MEMBERS, new Object[] {Status.Code.UNKNOWN,
                "etcdserver: re-configuration failed due to not enough started members"});
        expected.put(Reason.BAD_LEADER_TRANSFEREE, new Object[] {Status.Code.FAILED_PRECONDITION,
                "etcdserver: bad leader transferee"});
        expected.put(Reason.UNSUPPORTED, new Object[] {Status.Code.UNIMPLEMENTED, "provider says why"});
        assertEquals(Reason.values().length, expected.size(), "a reason without an expected error");
        expected.forEach((reason, wire) -> {
            ConsensusException e = new ConsensusException(reason, "provider says why");
            assertStatus((Status.Code) wire[0], (String) wire[1], Errors.toStatus(e));
            // as a future's failure too
            assertStatus((Status.Code) wire[0], (String) wire[1], Errors.toStatus(new CompletionException(e)));
        });
    }

    @Test
    void serverFailuresKeepTheirEtcdError() {
        assertStatus(Status.Code.UNAVAILABLE, "etcdserver: rpc not supported for learner",
                Errors.toStatus(new EtcdException(EtcdError.NOT_SUPPORTED_FOR_LEARNER)));
        assertStatus(Status.Code.UNKNOWN, "etcdserver: request timed out, leader transfer took too long",
                Errors.toStatus(new CompletionException(new EtcdException(EtcdError.TIMEOUT_LEADER_TRANSFER))));
        assertStatus(Status.Code.UNAVAILABLE, "etcdserver: request timed out",
                Errors.toStatus(new CompletionException(new TimeoutException())));
    }
}
