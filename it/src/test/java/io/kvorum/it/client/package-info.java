/** Plain grpc-java access to etcd's services, without any client library's retries or conversions. */
package io.kvorum.it.client;
