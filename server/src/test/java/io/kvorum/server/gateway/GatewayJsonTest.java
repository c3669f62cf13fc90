package io.kvorum.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvorum.api.etcdserverpb.Compare;
import io.kvorum.api.etcdserverpb.TxnRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Request bodies as etcd 3.4's gateway reads them (its answers to the same bodies). */
class GatewayJsonTest {

    private static List<TxnRequest> parse(String json) throws InvalidProtocolBufferException {
        return GatewayJson.parse(json.getBytes(StandardCharsets.UTF_8), TxnRequest.getDefaultInstance());
    }

    private static String refusal(String json) {
        return assertThrows(InvalidProtocolBufferException.class, () -> parse(json)).getMessage();
    }

    @Test
    void nestedBytesAndEnumsAreReadAsEtcdReadsThem() throws InvalidProtocolBufferException {
        TxnRequest txn = parse("{\"compare\":[{\"key\":\"YQ==\",\"target\":\"VALUE\",\"value\":\"Y\\nQ==\"}],"
                + "\"success\":[{\"request_put\":{\"key\":\"YWI=\",\"value\":\"\"}}],\"unknown\":1}").get(0);
        assertEquals(ByteString.copyFromUtf8("a"), txn.getCompare(0).getKey());
        assertEquals(ByteString.copyFromUtf8("a"), txn.getCompare(0).getValue());
        assertEquals(Compare.CompareTarget.VALUE, txn.getCompare(0).getTarget());
        assertEquals(ByteString.copyFromUtf8("ab"), txn.getSuccess(0).getRequestPut().getKey());
    }

    @Test
    void badBase64AnywhereIsGosError() {
        assertEquals("illegal base64 data at input byte 0", refusal("{\"compare\":[{\"key\":\"YQ\"}]}"));
        assertEquals("illegal base64 data at input byte 8",
                refusal("{\"success\":[{\"request_range\":{\"key\":\"YQ==\",\"range_end\":\"etcd3gw/p/3\"}}]}"));
    }

    @Test
    void anUnknownEnumNameIsJsonpbsError() {
        assertEquals("unknown value \"NOPE\" for enum etcdserverpb.Compare_CompareTarget",
                refusal("{\"compare\":[{\"key\":\"YQ==\",\"target\":\"NOPE\"}]}"));
        assertEquals("unknown value \"value\" for enum etcdserverpb.Compare_CompareTarget",
                refusal("{\"compare\":[{\"key\":\"YQ==\",\"target\":\"value\"}]}"));
    }
}
