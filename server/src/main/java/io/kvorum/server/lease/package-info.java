/**
 * Leases: the lessor's state, its persistence in the {@code lease} bucket, expiry bookkeeping, and
 * the checkpoints of remaining TTLs that carry them across a leader change. Start at {@code Lessor}.
 */
package io.kvorum.server.lease;
