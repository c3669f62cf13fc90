package io.kvorum.server.auth;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.Compare;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.TxnRequest;
import java.util.Collection;
import java.util.List;

/**
 * Which permissions each KV request needs, as etcd's auth applier checks them: Range and every
 * Compare read; Put writes (and reads with {@code prev_kv}), and writes every key already attached
 * to its lease; DeleteRange writes (and reads with {@code prev_kv}); a Txn needs what all its
 * compares and the ops of both branches need, nested txns included.
 */
public final class Permissions {
    private static final byte[] NONE = new byte[0];

    private Permissions() {
    }

    public static void checkRange(AuthState auth, AuthInfo who, RangeRequest r) {
        auth.checkRead(who, bytes(r.getKey()), bytes(r.getRangeEnd()));
    }

    /** @param leaseKeys the keys already attached to the put's lease (none without a lease) */
    public static void checkPut(AuthState auth, AuthInfo who, PutRequest r, Collection<ByteString> leaseKeys) {
        auth.checkWrite(who, bytes(r.getKey()), NONE);
        checkLeaseKeys(auth, who, leaseKeys);
        if (r.getPrevKv()) {
            auth.checkRead(who, bytes(r.getKey()), NONE);
        }
    }

    public static void checkDeleteRange(AuthState auth, AuthInfo who, DeleteRangeRequest r) {
        auth.checkWrite(who, bytes(r.getKey()), bytes(r.getRangeEnd()));
        if (r.getPrevKv()) {
            auth.checkRead(who, bytes(r.getKey()), bytes(r.getRangeEnd()));
        }
    }

    /** Write permission on every key of a lease: revoking it, or attaching a key to it, deletes them with it. */
    public static void checkLeaseKeys(AuthState auth, AuthInfo who, Collection<ByteString> leaseKeys) {
        for (ByteString key : leaseKeys) {
            auth.checkWrite(who, key.toByteArray(), NONE);
        }
    }

    /** Every compare and the ops of both branches, whichever one runs, and of the txns nested in them. */
    public static void checkTxn(AuthState auth, AuthInfo who, TxnRequest t) {
        for (Compare c : t.getCompareList()) {
            auth.checkRead(who, bytes(c.getKey()), bytes(c.getRangeEnd()));
        }
        checkOps(auth, who, t.getSuccessList());
        checkOps(auth, who, t.getFailureList());
    }

    private static void checkOps(AuthState auth, AuthInfo who, List<RequestOp> ops) {
        for (RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> checkRange(auth, who, op.getRequestRange());
                case REQUEST_PUT -> auth.checkWrite(who, bytes(op.getRequestPut().getKey()), NONE);
                case REQUEST_DELETE_RANGE -> checkDeleteRange(auth, who, op.getRequestDeleteRange());
                case REQUEST_TXN -> checkTxn(auth, who, op.getRequestTxn());
                case REQUEST_NOT_SET -> {
                    // nothing to check: the txn fails as etcd's does when applied
                }
            }
        }
    }

    /**
     * What every step of a Lock or Election recipe on {@code name} needs, as etcd's v3lock and
     * v3election run their client recipes under the caller's auth: read under {@code name/}, where
     * the recipe looks for the oldest key (Lock, Campaign, Leader, Observe).
     */
    public static void checkRecipeRead(AuthState auth, AuthInfo who, ByteString name) {
        byte[] prefix = name.concat(ByteString.copyFromUtf8("/")).toByteArray();
        auth.checkRead(who, prefix, prefixEnd(prefix));
    }

    /**
     * What a recipe needs to create or delete its own key ({@code name/<lease in hex>} for Lock and
     * Campaign, the held key for Unlock): write on that key alone.
     */
    public static void checkRecipeWrite(AuthState auth, AuthInfo who, ByteString key) {
        auth.checkWrite(who, bytes(key), NONE);
    }

    /** What a recipe step on one key it holds needs (proclaim, resign: a compare and a write): read and write of it. */
    public static void checkRecipeKey(AuthState auth, AuthInfo who, ByteString key) {
        auth.checkRead(who, bytes(key), NONE);
        auth.checkWrite(who, bytes(key), NONE);
    }

    /** etcd's {@code GetPrefixRangeEnd}: the key after every key starting with {@code prefix}. */
    static byte[] prefixEnd(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if ((end[i] & 0xff) < 0xff) {
                end[i]++;
                return java.util.Arrays.copyOf(end, i + 1);
            }
        }
        return new byte[] {0};
    }

    private static byte[] bytes(ByteString s) {
        return s.isEmpty() ? NONE : s.toByteArray();
    }
}
