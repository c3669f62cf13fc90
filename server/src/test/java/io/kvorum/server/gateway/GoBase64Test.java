package io.kvorum.server.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each case as etcd 3.4's gateway answers a put whose key is the given text. */
class GoBase64Test {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "YQ==|a", "YWJj|abc", "YWI=|ab", "'YW\nJj'|abc", "'YQ=\n='|a", "'YWI=\n'|ab", "'YQ==\r\n'|a", "YR==|a", "''|''"})
    void decodesWhatGoDecodes(String text, String expected) {
        assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), GoBase64.decode(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "a b|1", "YQ|0", "YQ=|3", "YQ==YQ==|4", "Y===|1", "YQ=x|2", "é|0", "-_8=|0", "etcd3gw/p/3|8"})
    void refusesWithGosPosition(String text, int at) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GoBase64.decode(text));
        assertEquals("illegal base64 data at input byte " + at, e.getMessage());
    }
}
