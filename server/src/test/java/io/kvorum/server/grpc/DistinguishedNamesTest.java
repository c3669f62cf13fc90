package io.kvorum.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

class DistinguishedNamesTest {

    private static Optional<String> cn(String dn) {
        return DistinguishedNames.commonName(new X500Principal(dn).getName());
    }

    @Test
    void theCommonNameIsTheUser() {
        assertEquals(Optional.of("alice"), cn("CN=alice, O=kvorum, C=DE"));
        assertEquals(Optional.of("alice"), cn("O=kvorum, CN=alice"));
    }

    @Test
    void escapedCharactersAreUnescaped() {
        assertEquals(Optional.of("a,b+c=d \"e\""), cn("CN=a\\,b\\+c\\=d \\\"e\\\", O=x"));
        assertEquals(Optional.of("jürgen"), cn("CN=jürgen"));
    }

    @Test
    void ofSeveralCommonNamesTheLastInTheCertificateCounts() {
        // a distinguished name string lists the certificate's attributes last to first: "second"
        // is the certificate's first CN, "first" its last
        assertEquals(Optional.of("first"), cn("CN=first, CN=second"));
    }

    @Test
    void noOrAnEmptyCommonNameNamesNobody() {
        assertEquals(Optional.empty(), cn("O=kvorum, C=DE"));
        assertEquals(Optional.empty(), cn("CN=, O=kvorum"));
    }
}
