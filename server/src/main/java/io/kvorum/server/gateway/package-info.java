/**
 * etcd's gRPC-JSON gateway on the client port: {@code POST /v3/...} with a JSON body calls the
 * client services in process, through the same interceptors as gRPC, and answers in etcd's JSON.
 */
package io.kvorum.server.gateway;
