package io.kvorum.server.v2http;

import io.kvorum.api.etcdserverpb.Request;
import io.kvorum.server.v2.V2Error;
import io.kvorum.server.v2.V2Store;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * A {@code /v2/keys} request as etcd's {@code parseKeyRequest} reads it from the form: the store
 * request (method, path, value, dir, prevValue, prevIndex, prevExist, TTL as an expiry time by
 * this member's clock, refresh) and how to serve it (wait, waitIndex, recursive, sorted, quorum,
 * stream, noValueOnSuccess). Every malformed field gets etcd's error and cause.
 */
record KeyRequest(Request request, boolean noValueOnSuccess) {
    static final String PREFIX = "/v2/keys";

    /**
     * @param path  the decoded URL path, starting with {@link #PREFIX}
     * @param clock Unix nanoseconds
     * @throws V2Error as etcd answers a malformed request
     */
    static KeyRequest parse(String method, String path, GoForm form, LongSupplier clock) {
        Optional<String> formError = form.error();
        if (formError.isPresent()) {
            throw V2Error.request(V2Error.INVALID_FORM, formError.get());
        }
        // etcd's path.Join(StoreKeysPrefix, ...): the keys live under their namespace in the store
        String key = V2Store.KEYS + path.substring(PREFIX.length());
        long prevIndex = uint(form, "prevIndex", V2Error.INDEX_NAN, "invalid value for \"prevIndex\"");
        long waitIndex = uint(form, "waitIndex", V2Error.INDEX_NAN, "invalid value for \"waitIndex\"");
        boolean recursive = bool(form, "recursive", "invalid value for \"recursive\"");
        boolean sorted = bool(form, "sorted", "invalid value for \"sorted\"");
        boolean wait = bool(form, "wait", "invalid value for \"wait\"");
        boolean dir = bool(form, "dir", "invalid value for \"dir\"");
        boolean quorum = bool(form, "quorum", "invalid value for \"quorum\"");
        boolean stream = bool(form, "stream", "invalid value for \"stream\"");
        if (wait && !method.equals("GET")) {
            throw V2Error.request(V2Error.INVALID_FIELD, "\"wait\" can only be used with GET requests");
        }
        String prevValue = form.first("prevValue");
        if (form.has("prevValue") && prevValue.isEmpty()) {
            throw V2Error.request(V2Error.PREV_VALUE_REQUIRED, "\"prevValue\" cannot be empty");
        }
        boolean noValueOnSuccess = bool(form, "noValueOnSuccess", "invalid value for \"noValueOnSuccess\"");
        Long ttl = null;
        if (!form.first("ttl").isEmpty()) {
            ttl = GoForm.parseUint(form.first("ttl")).orElseThrow(
                    () -> V2Error.request(V2Error.TTL_NAN, "invalid value for \"ttl\""));
        }
        Request.Builder r = Request.newBuilder().setMethod(method).setPath(key).setVal(form.first("value"))
                .setDir(dir).setPrevValue(prevValue).setPrevIndex(prevIndex).setWait(wait).setSince(waitIndex)
                .setRecursive(recursive).setSorted(sorted).setQuorum(quorum).setStream(stream);
        if (form.has("prevExist")) {
            r.setPrevExist(GoForm.parseBool(form.first("prevExist")).orElseThrow(
                    () -> V2Error.request(V2Error.INVALID_FIELD, "invalid value for prevExist")));
        }
        if (form.has("refresh")) {
            boolean refresh = GoForm.parseBool(form.first("refresh")).orElseThrow(
                    () -> V2Error.request(V2Error.INVALID_FIELD, "invalid value for refresh"));
            if (refresh) {
                if (form.has("value") && !form.first("value").isEmpty()) {
                    throw V2Error.request(V2Error.REFRESH_VALUE, "A value was provided on a refresh");
                }
                if (ttl == null) {
                    throw V2Error.request(V2Error.REFRESH_TTL_REQUIRED, "No TTL value set");
                }
            }
            r.setRefresh(refresh);
        }
        if (ttl != null) {
            // Go's time.Duration(ttl) * time.Second, wrapping as int64 does
            r.setExpiration(clock.getAsLong() + ttl * 1_000_000_000L);
        }
        return new KeyRequest(r.build(), noValueOnSuccess);
    }

    private static long uint(GoForm form, String key, int code, String cause) {
        if (!form.has(key)) {
            return 0;
        }
        return GoForm.parseUint(form.first(key)).orElseThrow(() -> V2Error.request(code, cause));
    }

    private static boolean bool(GoForm form, String key, String cause) {
        if (!form.has(key)) {
            return false;
        }
        return GoForm.parseBool(form.first(key)).orElseThrow(() -> V2Error.request(V2Error.INVALID_FIELD, cause));
    }
}
