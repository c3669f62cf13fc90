/** Leases: the lessor's state, its persistence in the {@code lease} bucket, and expiry bookkeeping. */
package io.kvorum.server.lease;
