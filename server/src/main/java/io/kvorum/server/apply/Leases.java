package io.kvorum.server.apply;

/**
 * The leases the apply loop knows. The Lease service (grant, keepalive, expiry) is not part of
 * this server yet, so no lease can exist: every Put naming a lease gets etcd's "requested lease
 * not found", exactly as etcd answers for a lease it does not have.
 */
final class Leases {
    boolean exists(long leaseId) {
        return false;
    }
}
