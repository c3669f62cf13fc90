package io.kvorum.server.alarm;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvorum.api.etcdserverpb.AlarmMember;
import io.kvorum.api.etcdserverpb.AlarmType;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.backend.Bucket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The raised alarms, as etcd's alarm store: one per member and type, each stored in the
 * {@code alarm} bucket under its serialized {@link AlarmMember} (with an empty value), in the
 * same backend commit as the entry that raised or disarmed it.
 *
 * <p>Threads: changed only by the apply loop, through the log, so every member has the same
 * alarms at the same index; read by any thread (an immutable list behind a volatile field).
 */
public final class AlarmStore {
    private volatile List<AlarmMember> active;

    private AlarmStore(List<AlarmMember> active) {
        this.active = active;
    }

    /** The alarms stored in {@code store}'s {@code alarm} bucket. */
    public static AlarmStore recover(MvccStore store) {
        return new AlarmStore(read(store));
    }

    /** Becomes the alarms of a store a snapshot restore put in place. */
    public void reload(MvccStore store) {
        active = read(store);
    }

    private static List<AlarmMember> read(MvccStore store) {
        List<AlarmMember> found = new ArrayList<>();
        store.scanBucket(Bucket.ALARM, (key, value) -> {
            try {
                found.add(AlarmMember.parseFrom(key));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("alarm: unreadable record in the alarm bucket", e);
            }
            return true;
        });
        return List.copyOf(found);
    }

    /** The raised alarms of {@code type}; every raised alarm for {@link AlarmType#NONE}, as etcd. */
    public List<AlarmMember> get(AlarmType type) {
        List<AlarmMember> all = active;
        return type == AlarmType.NONE ? all : all.stream().filter(a -> a.getAlarm() == type).toList();
    }

    /** Every raised alarm. */
    public List<AlarmMember> all() {
        return active;
    }

    /**
     * Raises {@code type} for {@code memberId} (0 meaning the whole cluster, as etcd's corruption
     * check raises it). Apply thread only.
     *
     * @return the alarm, or the one already raised for that member and type
     */
    public AlarmMember activate(MvccStore store, long memberId, AlarmType type) {
        AlarmMember alarm = AlarmMember.newBuilder().setMemberID(memberId).setAlarm(type).build();
        for (AlarmMember a : active) {
            if (a.equals(alarm)) {
                return a;
            }
        }
        store.stageBucketPut(Bucket.ALARM, alarm.toByteArray(), new byte[0]);
        List<AlarmMember> next = new ArrayList<>(active);
        next.add(alarm);
        active = List.copyOf(next);
        return alarm;
    }

    /** Disarms {@code type} for {@code memberId}. Apply thread only. @return the alarm disarmed, if it was raised */
    public Optional<AlarmMember> deactivate(MvccStore store, long memberId, AlarmType type) {
        AlarmMember alarm = AlarmMember.newBuilder().setMemberID(memberId).setAlarm(type).build();
        if (!active.contains(alarm)) {
            return Optional.empty();
        }
        store.stageBucketDelete(Bucket.ALARM, alarm.toByteArray());
        List<AlarmMember> next = new ArrayList<>(active);
        next.remove(alarm);
        active = List.copyOf(next);
        return Optional.of(alarm);
    }

    /**
     * The error an applied request gets while an alarm is raised, as etcd's appliers: with CORRUPT
     * every write (put, delete, txn, compaction, lease grant and revoke) fails with "corrupt
     * cluster"; with NOSPACE (and no CORRUPT) puts, txns that put and lease grants fail with
     * "database space exceeded". Alarm requests themselves always apply.
     */
    public Optional<EtcdError> refusal(InternalRaftRequest r) {
        List<AlarmMember> all = active;
        if (all.isEmpty() || r.hasAlarm()) {
            return Optional.empty();
        }
        if (all.stream().anyMatch(a -> a.getAlarm() == AlarmType.CORRUPT)) {
            boolean write = r.hasPut() || r.hasDeleteRange() || r.hasTxn() || r.hasCompaction()
                    || r.hasLeaseGrant() || r.hasLeaseRevoke();
            return write ? Optional.of(EtcdError.CORRUPT) : Optional.empty();
        }
        if (all.stream().anyMatch(a -> a.getAlarm() == AlarmType.NOSPACE)) {
            boolean grows = r.hasPut() || r.hasLeaseGrant() || (r.hasTxn() && puts(r.getTxn()));
            return grows ? Optional.of(EtcdError.NO_SPACE) : Optional.empty();
        }
        return Optional.empty();
    }

    /** Whether either branch of the txn, or of a txn nested in it, puts. */
    private static boolean puts(TxnRequest txn) {
        for (List<RequestOp> branch : List.of(txn.getSuccessList(), txn.getFailureList())) {
            for (RequestOp op : branch) {
                if (op.hasRequestPut() || (op.hasRequestTxn() && puts(op.getRequestTxn()))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * An alarm as etcd's status lists it among its errors: Go's compact text form of the message,
     * which leaves out fields at their zero value and ends each field with a space.
     */
    public static String describe(AlarmMember alarm) {
        StringBuilder text = new StringBuilder();
        if (alarm.getMemberID() != 0) {
            text.append("memberID:").append(Long.toUnsignedString(alarm.getMemberID())).append(' ');
        }
        if (alarm.getAlarm() != AlarmType.NONE) {
            text.append("alarm:").append(alarm.getAlarm()).append(' ');
        }
        return text.toString();
    }
}
