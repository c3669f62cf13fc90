/**
 * The apply loop: committed entries become MVCC changes here, on one thread, deterministically;
 * waiters of the proposing requests are completed once the batch is durable.
 */
package io.kvorum.server.apply;
