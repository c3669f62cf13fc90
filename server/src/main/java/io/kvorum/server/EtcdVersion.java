package io.kvorum.server;

/** The etcd versions this server speaks, as reported to clients that gate features on them. */
public final class EtcdVersion {
    /** Reported as the server version ({@code Maintenance.Status}, {@code /version}). */
    public static final String SERVER = "3.5.0";
    /** The cluster version clients see. */
    public static final String CLUSTER = "3.5.0";
    /** The API version etcdctl prints. */
    public static final String API = "3.5";

    private EtcdVersion() {
    }
}
