package io.kvorum.server.v2;

import java.util.List;
import java.util.Optional;

/**
 * A node as a client sees it (etcd's {@code NodeExtern}): key, the value of a file, the children
 * of a listed directory, the expiry time and remaining TTL in seconds of a node with a TTL.
 *
 * @param value      empty for a directory
 * @param expiration Unix nanoseconds of the expiry; 0 for a permanent node
 * @param nodes      the listed children; empty when not listed (and no {@code nodes} field)
 */
public record NodeView(String key, Optional<String> value, boolean dir, long expiration, long ttl,
                       Optional<List<NodeView>> nodes, long modifiedIndex, long createdIndex) {
}
