/** The client port's HTTP side: etcd's gRPC-JSON gateway and its probes, as curl sees them. */
package io.kvorum.it.http;
