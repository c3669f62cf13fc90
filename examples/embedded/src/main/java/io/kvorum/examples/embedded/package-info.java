/**
 * An application that keeps its state in an embedded kvorum member: {@link
 * io.kvorum.examples.embedded.EmbeddedStore} starts one on the sqlite backend.
 */
package io.kvorum.examples.embedded;
