package io.kvorum.server.apply;

import com.google.protobuf.Descriptors.FieldDescriptor;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The labels of {@code etcd_server_apply_duration_seconds} for one applied request: its
 * {@code op} as etcd's applier names it (the Go name of the request's field in
 * {@code InternalRaftRequest}: {@code Put}, {@code DeleteRange}, {@code LeaseGrant},
 * {@code AuthUserChangePassword}, …; a v2 request's method) and whether it succeeded.
 */
final class ApplyOps {
    private static final Set<String> V2_METHODS = Set.of("POST", "PUT", "DELETE", "QGET", "SYNC", "GET", "HEAD");

    /** The request fields, each with its op name, in field order; the header and the id name no op. */
    private static final List<Op> OPS = InternalRaftRequest.getDescriptor().getFields().stream()
            .filter(f -> f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !f.getName().equals("header")
                    && !f.getName().equals("v2"))
            .map(f -> new Op(f, goName(f.getName())))
            .toList();

    private record Op(FieldDescriptor field, String name) {
    }

    private ApplyOps() {
    }

    static String name(InternalRaftRequest r) {
        // the requests of every write first, without reflection
        if (r.hasPut()) {
            return "Put";
        }
        if (r.hasTxn()) {
            return "Txn";
        }
        if (r.hasDeleteRange()) {
            return "DeleteRange";
        }
        if (r.hasV2()) {
            String method = r.getV2().getMethod();
            return V2_METHODS.contains(method) ? method : "unknown";
        }
        for (Op op : OPS) {
            if (r.hasField(op.field())) {
                return op.name();
            }
        }
        return "unknown";
    }

    /** As etcd: a request succeeded unless it failed, a compacted revision counting as success. */
    static boolean succeeded(Object result) {
        return !(result instanceof Throwable) || (result instanceof EtcdException e && e.error() == EtcdError.COMPACTED);
    }

    /** {@code auth_user_change_password} as Go names the field: {@code AuthUserChangePassword}. */
    static String goName(String protoName) {
        StringBuilder name = new StringBuilder();
        for (String word : protoName.split("_")) {
            if (!word.isEmpty()) {
                name.append(word.substring(0, 1).toUpperCase(Locale.ROOT)).append(word.substring(1));
            }
        }
        return name.toString();
    }
}
