package io.kvorum.launcher.discovery;

import java.util.List;

/**
 * The part of etcd's v2 keys API that discovery uses: a read, a create-if-absent and a watch.
 * {@link V2KeysClient} speaks it over HTTP; tests give {@link V2Discovery} an in-memory one.
 */
interface KeysApi {

    /** A v2 node: a key with its value, or a directory with its children. */
    record Node(String key, String value, long createdIndex, long modifiedIndex, List<Node> nodes) {
        public Node {
            nodes = List.copyOf(nodes);
        }

        /** The last path element of the key, as Go's {@code path.Base}. */
        String baseName() {
            String k = key.endsWith("/") && key.length() > 1 ? key.substring(0, key.length() - 1) : key;
            return k.substring(k.lastIndexOf('/') + 1);
        }
    }

    /** A read: the node and the store's index at the time ({@code X-Etcd-Index}). */
    record Read(Node node, long index) {
    }

    /** The v2 API answered with one of its errors ({@code errorCode}, {@code message}, {@code cause}, {@code index}). */
    final class KeysError extends Exception {
        static final int KEY_NOT_FOUND = 100;
        static final int NODE_EXIST = 105;

        private final int code;

        KeysError(int code, String message, String cause, long index) {
            // etcd's client.Error.Error()
            super(code + ": " + message + " (" + cause + ") [" + index + "]");
            this.code = code;
        }

        int code() {
            return code;
        }
    }

    /**
     * The service could not be reached or answered with a server error (etcd's client reports a
     * {@code ClusterError}); discovery retries after a backoff.
     */
    final class Unavailable extends Exception {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The answer is not the v2 API's JSON: the URL is probably not a v2 keys endpoint. */
    final class InvalidJson extends Exception {
        static final String TEXT =
                "client: response is invalid json. The endpoint is probably not valid etcd cluster endpoint";

        InvalidJson(Throwable cause) {
            super(TEXT, cause);
        }
    }

    Read get(String key) throws KeysError, Unavailable, InvalidJson;

    /** Creates {@code key} with {@code value} unless it exists ({@code prevExist=false}). */
    Node create(String key, String value) throws KeysError, Unavailable, InvalidJson;

    /**
     * The first change to {@code key} (and below it if {@code recursive}) after {@code afterIndex};
     * blocks until there is one.
     */
    Node waitChange(String key, long afterIndex, boolean recursive) throws KeysError, Unavailable, InvalidJson;
}
