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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Request bodies as etcd 3.4's gateway reads them (its answers to the same bodies). */
class GatewayJsonTest {

    private static List<TxnRequest> parse(String json) throws InvalidProtocolBufferException {
        return GatewayJson.parse(json.getBytes(StandardCharsets.UTF_8), TxnRequest.getDefaultInstance(), true);
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
    void bytesOfAnotherJsonTypeAreGosError() {
        assertEquals("json: cannot unmarshal number into Go value of type []uint8", refusal("{\"compare\":[{\"key\":5}]}"));
        assertEquals("json: cannot unmarshal bool into Go value of type []uint8", refusal("{\"compare\":[{\"key\":true}]}"));
        assertEquals("json: cannot unmarshal object into Go value of type []uint8", refusal("{\"compare\":[{\"key\":{}}]}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{|unexpected EOF",
        "'{\"key\"'|unexpected EOF",
        "'{\"key\":'|unexpected EOF",
        "'{\"key\":\"a'|unexpected EOF",
        "nul|unexpected EOF",
        "'{\"key\":\"YQ==\"]'|invalid character ']' after object key:value pair",
        "'{\"key\":\"YQ==\",}'|invalid character '}' looking for beginning of object key string",
        "'{\"key\":tru}'|invalid character '}' in literal true (expecting 'e')",
        "' {\"key\":\"YQ==\" , \"value\" : 1.5e}'|invalid character '}' in exponent of numeric literal",
        "'{not json'|invalid character 'n' looking for beginning of object key string",
        "'{\"key\" 1}'|invalid character '1' after object key",
        "'{\"success\":[1 2]}'|invalid character '2' after array element",
        "'{\"a\":01}'|invalid character '1' after object key:value pair",
        "'{\"a\":-x}'|invalid character 'x' in numeric literal",
        "'{\"a\":1.}'|invalid character '}' after decimal point in numeric literal",
        "'{\"a\":\"\\q\"}'|invalid character 'q' in string escape code",
        "'{\"a\":\"\\u12x4\"}'|invalid character 'x' in \\u hexadecimal character escape",
        "'{\"a\":\"\t\"}'|invalid character '\\t' in string literal",
        "'{\"a\":@}'|invalid character '@' looking for beginning of value",
        "[1]|json: cannot unmarshal array into Go value of type map[string]json.RawMessage",
        "'\"s\"'|json: cannot unmarshal string into Go value of type map[string]json.RawMessage",
        "5|json: cannot unmarshal number into Go value of type map[string]json.RawMessage",
        "'{\"compare\":[{\"key\":\"YQ==\\u0001\"}]}'|illegal base64 data at input byte 4"})
    void malformedJsonIsGosError(String body, String error) {
        assertEquals(error, refusal(body));
    }

    @Test
    void aUnaryBodyIsReadUpToItsFirstValue() throws InvalidProtocolBufferException {
        assertEquals(1, parse("{\"compare\":[{\"key\":\"YQ==\"}]} x").size());
        assertEquals(List.of(TxnRequest.getDefaultInstance()), parse(" null "));
        assertEquals(List.of(), parse(" \n"));
    }

    @Test
    void nestingIsLimitedAsInGo() {
        assertEquals("invalid character '[' exceeded max depth", refusal("{\"a\":" + "[".repeat(10_000)));
        assertEquals("unexpected EOF", refusal("{\"a\":" + "[".repeat(9_999)));
    }

    @Test
    void aStreamBodyHoldsSeveralValues() throws InvalidProtocolBufferException {
        assertEquals(2, GatewayJson.parse("{}\n{\"compare\":[]} ".getBytes(StandardCharsets.UTF_8),
                TxnRequest.getDefaultInstance(), false).size());
    }

    @Test
    void anUnknownEnumNameIsJsonpbsError() {
        assertEquals("unknown value \"NOPE\" for enum etcdserverpb.Compare_CompareTarget",
                refusal("{\"compare\":[{\"key\":\"YQ==\",\"target\":\"NOPE\"}]}"));
        assertEquals("unknown value \"value\" for enum etcdserverpb.Compare_CompareTarget",
                refusal("{\"compare\":[{\"key\":\"YQ==\",\"target\":\"value\"}]}"));
    }
}
