package io.kvorum.launcher.discovery;

/**
 * Discovery failed; the message is etcd's wording (e.g. {@code discovery: cluster is full}, or the
 * v2 server's error as etcd's client prints it), so a user sees what etcd would say.
 */
public final class DiscoveryException extends Exception {
    /** What went wrong, as etcd's {@code v2discovery} errors tell the cases apart. */
    public enum Reason {
        INVALID_URL("discovery: invalid URL"),
        BAD_SIZE_KEY("discovery: size key is bad"),
        SIZE_NOT_FOUND("discovery: size key not found"),
        DUPLICATE_ID("discovery: found duplicate id"),
        DUPLICATE_NAME("discovery: found duplicate name"),
        FULL_CLUSTER("discovery: cluster is full"),
        TOO_MANY_RETRIES("discovery: too many retries"),
        BAD_DISCOVERY_ENDPOINT("discovery: bad discovery endpoint"),
        /** Any other answer of the discovery service, in etcd's client's words. */
        SERVICE_ERROR(null),
        /** The DNS SRV lookup found no usable cluster. */
        SRV(null);

        private final String text;

        Reason(String text) {
            this.text = text;
        }
    }

    private final Reason reason;

    DiscoveryException(Reason reason) {
        super(reason.text);
        this.reason = reason;
    }

    DiscoveryException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
