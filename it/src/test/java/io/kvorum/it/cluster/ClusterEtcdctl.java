package io.kvorum.it.cluster;

import io.kvorum.it.etcdctl.Etcdctl;
import java.util.List;

/** The real etcdctl (v3 API) against one or several members of a cluster. */
final class ClusterEtcdctl {
    private final Etcdctl etcdctl;

    private ClusterEtcdctl(Etcdctl etcdctl) {
        this.etcdctl = etcdctl;
    }

    /** The installed etcdctl; skipped on a developer machine without it, failed on CI (as {@link Etcdctl#require()}). */
    static ClusterEtcdctl require() {
        return new ClusterEtcdctl(Etcdctl.require());
    }

    /** {@code etcdctl --endpoints=<client URLs of members> <args>}. */
    Etcdctl.Result run(List<ClusterMember> endpoints, List<String> args) {
        return etcdctl.run(endpoints.stream().map(ClusterMember::clientUrl).toList(), args, "");
    }
}
