/**
 * The KV API through jetcd, the Java client from Maven Central: reads, writes, transactions and
 * compaction as a Java application sees them.
 */
package io.kvorum.it.kv;
