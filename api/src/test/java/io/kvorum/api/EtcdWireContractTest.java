package io.kvorum.api;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.kvorum.api.etcdserverpb.ClusterGrpc;
import io.kvorum.api.etcdserverpb.Compare;
import io.kvorum.api.etcdserverpb.CompactionRequest;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.LeaseGrpc;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RequestHeader;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.RpcProto;
import io.kvorum.api.etcdserverpb.StatusResponse;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.api.v3electionpb.ElectionGrpc;
import io.kvorum.api.v3lockpb.LockGrpc;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What an etcd client relies on: method names, field numbers, bytes on the wire. */
class EtcdWireContractTest {

    @Test
    void methodsHaveEtcdsFullNamesAndStreamingKinds() {
        assertAll(
                () -> assertMethod(KVGrpc.getRangeMethod(), "/etcdserverpb.KV/Range", MethodType.UNARY),
                () -> assertMethod(WatchGrpc.getWatchMethod(), "/etcdserverpb.Watch/Watch", MethodType.BIDI_STREAMING),
                () -> assertMethod(LockGrpc.getLockMethod(), "/v3lockpb.Lock/Lock", MethodType.UNARY),
                () -> assertMethod(ElectionGrpc.getObserveMethod(), "/v3electionpb.Election/Observe",
                        MethodType.SERVER_STREAMING),
                () -> assertMethod(LeaseGrpc.getLeaseLeasesMethod(), "/etcdserverpb.Lease/LeaseLeases",
                        MethodType.UNARY),
                () -> assertMethod(ClusterGrpc.getMemberPromoteMethod(), "/etcdserverpb.Cluster/MemberPromote",
                        MethodType.UNARY),
                () -> assertMethod(MaintenanceGrpc.getDowngradeMethod(), "/etcdserverpb.Maintenance/Downgrade",
                        MethodType.UNARY));
    }

    @Test
    void fieldsCarryEtcdsNumbers() {
        assertAll(
                () -> assertFieldNumber(Compare.getDescriptor(), "range_end", 64),
                () -> assertFieldNumber(WatchResponse.getDescriptor(), "events", 11),
                () -> assertFieldNumber(StatusResponse.getDescriptor(), "isLearner", 10),
                () -> assertFieldNumber(KeyValue.getDescriptor(), "lease", 6));
    }

    @Test
    void raftEnvelopeCarriesEachWriteUnderEtcdsNumber() {
        Descriptor envelope = InternalRaftRequest.getDescriptor();
        assertAll(
                () -> assertMessageField(envelope, "range", 3, RangeRequest.getDescriptor()),
                () -> assertMessageField(envelope, "put", 4, PutRequest.getDescriptor()),
                () -> assertMessageField(envelope, "delete_range", 5, DeleteRangeRequest.getDescriptor()),
                () -> assertMessageField(envelope, "txn", 6, TxnRequest.getDescriptor()),
                () -> assertMessageField(envelope, "compaction", 7, CompactionRequest.getDescriptor()),
                () -> assertMessageField(envelope, "header", 100, RequestHeader.getDescriptor()));
    }

    @Test
    void gatewayBindsLegacyLeasePathsBesideTheCurrentOnes() {
        HttpRule revoke = RpcProto.getDescriptor()
                .findServiceByName("Lease")
                .findMethodByName("LeaseRevoke")
                .getOptions()
                .getExtension(AnnotationsProto.http);

        assertEquals("/v3/lease/revoke", revoke.getPost());
        assertEquals("*", revoke.getBody());
        assertEquals(List.of("/v3/kv/lease/revoke"),
                revoke.getAdditionalBindingsList().stream().map(HttpRule::getPost).toList());
    }

    @Test
    void txnSurvivesTheWireAndEncodesRangeEndUnderTag64() throws InvalidProtocolBufferException {
        Compare compare = Compare.newBuilder()
                .setKey(ByteString.copyFromUtf8("a"))
                .setRangeEnd(ByteString.copyFromUtf8("b"))
                .setTarget(Compare.CompareTarget.MOD)
                .setResult(Compare.CompareResult.LESS)
                .setModRevision(7)
                .build();
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(compare)
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("a"))
                        .setValue(ByteString.copyFromUtf8("1"))
                        .setLease(42)))
                .build();

        TxnRequest decoded = TxnRequest.parseFrom(txn.toByteArray());

        assertEquals(txn, decoded);
        assertEquals(Compare.TargetUnionCase.MOD_REVISION, decoded.getCompare(0).getTargetUnionCase());
        // Field 64, wire type 2 (length-delimited): tag (64 << 3) | 2 = 514, varint 0x82 0x04.
        byte[] rangeEndOnly = Compare.newBuilder().setRangeEnd(ByteString.copyFromUtf8("b")).build().toByteArray();
        assertArrayEquals(new byte[] {(byte) 0x82, 0x04, 0x01, 'b'}, rangeEndOnly);
    }

    private static void assertMethod(MethodDescriptor<?, ?> method, String fullName, MethodType type) {
        assertEquals(fullName, "/" + method.getFullMethodName());
        assertEquals(type, method.getType(), fullName);
    }

    private static void assertFieldNumber(Descriptor message, String field, int number) {
        FieldDescriptor descriptor = message.findFieldByName(field);
        assertNotNull(descriptor, message.getFullName() + " has no field " + field);
        assertEquals(number, descriptor.getNumber(), message.getFullName() + "." + field);
    }

    private static void assertMessageField(Descriptor message, String field, int number, Descriptor type) {
        assertFieldNumber(message, field, number);
        assertEquals(type, message.findFieldByName(field).getMessageType(), message.getFullName() + "." + field);
    }
}
