/**
 * etcd's v3 protocol: the messages and gRPC stubs generated from the .proto files of this
 * module, one package per proto package. Client services live in {@code etcdserverpb},
 * {@code v3lockpb} and {@code v3electionpb}; the rest are records that travel through Raft or
 * sit in the backend.
 *
 * <p>The packages are generated, so they carry no package-info. Every one is exported, not just
 * the client services: frameworks reach the messages by reflection (JSON transcoding fails
 * without it), and the server stores and replicates the internal ones.
 */
// The libraries below are automatic modules, which javac warns about once per line; there is no
// other way to name them.
@SuppressWarnings("requires-transitive-automatic")
module io.kvorum.api {
    // Generated signatures expose these: messages extend protobuf types, stubs take gRPC types,
    // future stubs return Guava's ListenableFuture, and the services' descriptors import
    // google.api.http, which the JSON gateway reads.
    requires transitive com.google.protobuf;
    requires transitive io.grpc;
    requires transitive io.grpc.stub;
    requires transitive io.grpc.protobuf;
    requires transitive com.google.common;
    requires transitive proto.google.common.protos;

    exports io.kvorum.api.etcdserverpb;
    exports io.kvorum.api.mvccpb;
    exports io.kvorum.api.authpb;
    exports io.kvorum.api.membershippb;
    exports io.kvorum.api.leasepb;
    exports io.kvorum.api.v3lockpb;
    exports io.kvorum.api.v3electionpb;
}
