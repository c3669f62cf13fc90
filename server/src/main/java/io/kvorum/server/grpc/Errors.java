package io.kvorum.server.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.concurrency.RecipeException;
import io.kvorum.server.mvcc.CompactedException;
import io.kvorum.server.mvcc.FutureRevisionException;
import io.kvorum.spi.consensus.ConsensusException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns any failure into the status etcd would send; never a stack trace to a client. */
final class Errors {
    private static final Logger LOG = LoggerFactory.getLogger(Errors.class);

    private Errors() {
    }

    static StatusRuntimeException toStatus(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof EtcdException e) {
            return e.error().asException();
        }
        if (t instanceof CompactedException) {
            return EtcdError.COMPACTED.asException();
        }
        if (t instanceof FutureRevisionException) {
            return EtcdError.FUTURE_REV.asException();
        }
        if (t instanceof ConsensusException e) {
            return consensus(e);
        }
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        if (t instanceof RecipeException e) {
            return Status.UNKNOWN.withDescription(e.getMessage()).asRuntimeException();
        }
        if (t instanceof RejectedExecutionException) {
            // a bounded queue of work (e.g. bcrypt's) is full
            return EtcdError.TOO_MANY_REQUESTS.asException();
        }
        if (t instanceof TimeoutException) {
            return EtcdError.TIMEOUT.asException();
        }
        if (t instanceof CancellationException) {
            // Only shutdown cancels server work (e.g. a physical compaction still running).
            return EtcdError.STOPPED.asException();
        }
        LOG.error("request failed unexpectedly", t);
        return Status.UNKNOWN.withDescription(String.valueOf(t.getMessage())).asRuntimeException();
    }

    /**
     * The status of a Lock or Election call's failure. etcd runs those recipes through a client
     * of its own, whose errors are plain errors by then: every one reaches the caller with code
     * Unknown and its message.
     */
    static StatusRuntimeException recipeStatus(Throwable t) {
        StatusRuntimeException s = toStatus(t);
        if (s.getStatus().getCode() == Status.Code.UNKNOWN || s.getStatus().getDescription() == null) {
            return s;
        }
        return Status.UNKNOWN.withDescription(s.getStatus().getDescription()).asRuntimeException();
    }

    private static StatusRuntimeException consensus(ConsensusException e) {
        EtcdError error = switch (e.reason()) {
            case NO_LEADER -> EtcdError.NO_LEADER;
            case NOT_LEADER -> EtcdError.NOT_LEADER;
            case LEADER_CHANGED -> EtcdError.LEADER_CHANGED;
            case STOPPED -> EtcdError.STOPPED;
            case TIMEOUT -> EtcdError.TIMEOUT;
            case TOO_MANY_REQUESTS -> EtcdError.TOO_MANY_REQUESTS;
            case MEMBER_NOT_FOUND -> EtcdError.MEMBER_NOT_FOUND;
            case MEMBER_EXISTS -> EtcdError.MEMBER_EXIST;
            case PEER_URL_EXISTS -> EtcdError.PEER_URL_EXIST;
            case MEMBER_NOT_LEARNER -> EtcdError.MEMBER_NOT_LEARNER;
            case LEARNER_NOT_READY -> EtcdError.LEARNER_NOT_READY;
            case TOO_MANY_LEARNERS -> EtcdError.TOO_MANY_LEARNERS;
            case NOT_ENOUGH_STARTED_MEMBERS -> EtcdError.MEMBER_NOT_ENOUGH_STARTED;
            case BAD_LEADER_TRANSFEREE -> EtcdError.BAD_LEADER_TRANSFEREE;
            case UNSUPPORTED -> null;
        };
        return error != null ? error.asException()
                : Status.UNIMPLEMENTED.withDescription(e.getMessage()).asRuntimeException();
    }
}
