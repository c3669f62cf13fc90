package io.kvorum.server.v2;

import java.util.Map;

/**
 * An error of etcd's v2 API ({@code v2error}): a code, its fixed message, a cause (often the key)
 * and the store index it happened at. Answered as {@code {"errorCode":..,"message":..,"cause":..,"index":..}}
 * with the HTTP status of {@link #httpStatus()}.
 */
public final class V2Error extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final int KEY_NOT_FOUND = 100;
    public static final int TEST_FAILED = 101;
    public static final int NOT_FILE = 102;
    public static final int NOT_DIR = 104;
    public static final int NODE_EXIST = 105;
    public static final int ROOT_READ_ONLY = 107;
    public static final int DIR_NOT_EMPTY = 108;
    public static final int UNAUTHORIZED = 110;
    public static final int PREV_VALUE_REQUIRED = 201;
    public static final int TTL_NAN = 202;
    public static final int INDEX_NAN = 203;
    public static final int INVALID_FIELD = 209;
    public static final int INVALID_FORM = 210;
    public static final int REFRESH_VALUE = 211;
    public static final int REFRESH_TTL_REQUIRED = 212;
    public static final int RAFT_INTERNAL = 300;
    public static final int LEADER_ELECT = 301;
    public static final int WATCHER_CLEARED = 400;
    public static final int EVENT_INDEX_CLEARED = 401;

    /** etcd's messages, every code it defines. */
    private static final Map<Integer, String> MESSAGES = Map.ofEntries(
            Map.entry(100, "Key not found"),
            Map.entry(101, "Compare failed"),
            Map.entry(102, "Not a file"),
            Map.entry(103, "Reached the max number of peers in the cluster"),
            Map.entry(104, "Not a directory"),
            Map.entry(105, "Key already exists"),
            Map.entry(106, "The prefix of given key is a keyword in etcd"),
            Map.entry(107, "Root is read only"),
            Map.entry(108, "Directory not empty"),
            Map.entry(109, "Peer address has existed"),
            Map.entry(110, "The request requires user authentication"),
            Map.entry(200, "Value is Required in POST form"),
            Map.entry(201, "PrevValue is Required in POST form"),
            Map.entry(202, "The given TTL in POST form is not a number"),
            Map.entry(203, "The given index in POST form is not a number"),
            Map.entry(204, "Value or TTL is required in POST form"),
            Map.entry(205, "The given timeout in POST form is not a number"),
            Map.entry(206, "Name is required in POST form"),
            Map.entry(207, "Index or value is required"),
            Map.entry(208, "Index and value cannot both be specified"),
            Map.entry(209, "Invalid field"),
            Map.entry(210, "Invalid POST form"),
            Map.entry(211, "Value provided on refresh"),
            Map.entry(212, "A TTL must be provided on refresh"),
            Map.entry(300, "Raft Internal Error"),
            Map.entry(301, "During Leader Election"),
            Map.entry(400, "watcher is cleared due to etcd recovery"),
            Map.entry(401, "The event in requested index is outdated and cleared"),
            Map.entry(402, "Standby Internal Error"),
            Map.entry(403, "Invalid active size"),
            Map.entry(404, "Standby remove delay"),
            Map.entry(500, "Client Internal Error"));

    private final int code;
    private final String cause;
    private final long index;

    public V2Error(int code, String cause, long index) {
        super(MESSAGES.getOrDefault(code, "") + " (" + cause + ")");
        this.code = code;
        this.cause = cause;
        this.index = index;
    }

    /** An error of a request's form, before any store index applies (index 0). */
    public static V2Error request(int code, String cause) {
        return new V2Error(code, cause, 0);
    }

    public int code() {
        return code;
    }

    /** etcd's fixed message of the code; empty for a code etcd does not define. */
    public String text() {
        return MESSAGES.getOrDefault(code, "");
    }

    public String cause() {
        return cause;
    }

    public long index() {
        return index;
    }

    /** The same error with another cause, as etcd trims the keys prefix from it. */
    public V2Error withCause(String newCause) {
        return new V2Error(code, newCause, index);
    }

    /** The same error at another store index. */
    V2Error at(long newIndex) {
        return new V2Error(code, cause, newIndex);
    }

    /** etcd's status for the code: 404, 403, 401, 412, 500, else 400. */
    public int httpStatus() {
        return switch (code) {
            case KEY_NOT_FOUND -> 404;
            case NOT_FILE, DIR_NOT_EMPTY -> 403;
            case UNAUTHORIZED -> 401;
            case TEST_FAILED, NODE_EXIST -> 412;
            case RAFT_INTERNAL, LEADER_ELECT -> 500;
            default -> 400;
        };
    }
}
