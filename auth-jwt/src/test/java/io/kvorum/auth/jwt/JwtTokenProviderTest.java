package io.kvorum.auth.jwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import io.kvorum.spi.auth.TokenGrant;
import io.kvorum.spi.auth.TokenInfo;
import io.kvorum.spi.auth.TokenProvider;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JwtTokenProviderTest {
    @TempDir
    Path dir;

    private static final TokenGrant ALICE = new TokenGrant("alice", 7, 12, "");

    private Map<String, String> options(String... pairs) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    private String rsaKeys(KeyPair pair, String prefix) {
        TestKeys.privatePem(dir, prefix + ".key", pair);
        TestKeys.publicPem(dir, prefix + ".pub", pair);
        return dir.resolve(prefix).toString();
    }

    @Test
    void theModuleProvidesTheJwtTokenProvider() {
        assertTrue(JwtTokenProvider.class.getModule().getDescriptor().provides().stream().anyMatch(p ->
                p.service().equals(TokenProvider.class.getName())
                        && p.providers().equals(java.util.List.of(JwtTokenProvider.class.getName()))));
        assertEquals("jwt", new JwtTokenProvider().name());
    }

    @ParameterizedTest
    @ValueSource(strings = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
    void rsaTokensCarryEtcdsClaimsAndResolveToTheirUserAndRevision(String method) throws Exception {
        String keys = rsaKeys(TestKeys.rsa(), "rsa");
        JwtTokens tokens = JwtTokenProvider.create(options("sign-method", method, "priv-key", keys + ".key",
                "pub-key", keys + ".pub"));
        String token = tokens.assign(ALICE);
        JWSObject jws = JWSObject.parse(token);
        assertEquals(method, jws.getHeader().getAlgorithm().getName());
        Map<String, Object> claims = jws.getPayload().toJSONObject();
        assertEquals("alice", claims.get("username"));
        assertEquals(7L, ((Number) claims.get("revision")).longValue());
        long exp = ((Number) claims.get("exp")).longValue();
        long now = System.currentTimeMillis() / 1000;
        assertTrue(exp >= now + 299 && exp <= now + 301, "exp is five minutes from now by default: " + exp);
        assertEquals(Optional.of(new TokenInfo("alice", 7)), tokens.verify(token));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ES256:secp256r1", "ES384:secp384r1", "ES512:secp521r1"})
    void ecTokensResolveWithThePrivateKeyAlone(String methodAndCurve) {
        String[] mc = methodAndCurve.split(":");
        KeyPair pair = TestKeys.ec(mc[1]);
        Path priv = TestKeys.privatePem(dir, "ec.key", pair);
        JwtTokens tokens = JwtTokenProvider.create(options("sign-method", mc[0], "priv-key", priv.toString()));
        assertEquals(Optional.of(new TokenInfo("alice", 7)), tokens.verify(tokens.assign(ALICE)));

        Path pub = TestKeys.publicPem(dir, "ec.pub", pair);
        JwtTokens verifier = JwtTokenProvider.create(options("sign-method", mc[0], "pub-key", pub.toString()));
        assertEquals(Optional.of(new TokenInfo("alice", 7)), verifier.verify(tokens.assign(ALICE)),
                "the public point derived from the private key is the key pair's");
    }

    @Test
    void keysInPkcs1AndSec1AreReadLikePkcs8() {
        KeyPair rsa = TestKeys.rsa();
        Path pkcs1 = TestKeys.write(dir, "rsa1.key", TestKeys.pem("RSA PRIVATE KEY",
                TestKeys.innerKey(rsa.getPrivate().getEncoded())));
        JwtTokens a = JwtTokenProvider.create(options("sign-method", "RS256", "priv-key", pkcs1.toString()));
        Path pub = TestKeys.publicPem(dir, "rsa.pub", rsa);
        JwtTokens b = JwtTokenProvider.create(options("sign-method", "RS256", "pub-key", pub.toString()));
        assertEquals(Optional.of(new TokenInfo("alice", 7)), b.verify(a.assign(ALICE)));

        KeyPair ec = TestKeys.ec("secp256r1");
        byte[] inner = TestKeys.innerKey(ec.getPrivate().getEncoded());
        PemKeys.Der.Reader fields = new PemKeys.Der.Reader(inner).sequence();
        fields.skip();
        byte[] d = fields.raw();
        byte[] p256 = Base64.getDecoder().decode("BggqhkjOPQMBBw=="); // OID 1.2.840.10045.3.1.7
        byte[] sec1 = PemKeys.Der.sequence(new byte[] {2, 1, 1}, d, PemKeys.Der.tlv(0xA0, p256));
        Path sec1File = TestKeys.write(dir, "ec1.key",
                "some text before the block\n" + TestKeys.pem("EC PRIVATE KEY", sec1));
        JwtTokens c = JwtTokenProvider.create(options("sign-method", "ES256", "priv-key", sec1File.toString()));
        Path ecPub = TestKeys.publicPem(dir, "ec.pub", ec);
        JwtTokens e = JwtTokenProvider.create(options("sign-method", "ES256", "pub-key", ecPub.toString()));
        assertEquals(Optional.of(new TokenInfo("alice", 7)), e.verify(c.assign(ALICE)));
    }

    @Test
    void hmacSignsWithThePrivateKeyFileAsTheSecretOfAnyLength() {
        Path secret = TestKeys.write(dir, "secret", "short");
        JwtTokens tokens = JwtTokenProvider.create(options("sign-method", "HS256", "priv-key", secret.toString()));
        assertEquals(Optional.of(new TokenInfo("alice", 7)), tokens.verify(tokens.assign(ALICE)));
    }

    @Test
    void aMemberWithOnlyThePublicKeyVerifiesButCannotSign() {
        String keys = rsaKeys(TestKeys.rsa(), "rsa");
        JwtTokens signer = JwtTokenProvider.create(options("sign-method", "RS256", "priv-key", keys + ".key"));
        JwtTokens verifier = JwtTokenProvider.create(options("sign-method", "RS256", "pub-key", keys + ".pub"));
        assertTrue(verifier.verifyOnly());
        assertEquals(Optional.of(new TokenInfo("alice", 7)), verifier.verify(signer.assign(ALICE)));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> verifier.assign(ALICE));
        assertEquals("auth: token signing attempted with verify-only key", e.getMessage());
    }

    @Test
    void expiredTokensAreRefusedFromTheSecondAfterTheirExp() throws Exception {
        String keys = rsaKeys(TestKeys.rsa(), "rsa");
        JwtOptions o = JwtOptions.parse(options("sign-method", "RS256", "priv-key", keys + ".key", "ttl", "1s"));
        AtomicLong now = new AtomicLong(1_000_000);
        JwtTokens tokens = new JwtTokens(o.method(), SigningKeys.load(o), o.ttl(), now::get);
        String token = tokens.assign(ALICE);
        now.addAndGet(1);
        assertTrue(tokens.verify(token).isPresent(), "valid up to and including exp, as golang-jwt");
        now.addAndGet(1);
        assertEquals(Optional.empty(), tokens.verify(token));
    }

    @Test
    void garbageForeignAndForgedTokensAreRefused() throws Exception {
        KeyPair pair = TestKeys.rsa();
        String keys = rsaKeys(pair, "rsa");
        String other = rsaKeys(TestKeys.rsa(), "other");
        JwtTokens tokens = JwtTokenProvider.create(options("sign-method", "RS256", "priv-key", keys + ".key"));
        JwtTokens foreign = JwtTokenProvider.create(options("sign-method", "RS256", "priv-key", other + ".key"));
        JwtTokens rs384 = JwtTokenProvider.create(options("sign-method", "RS384", "priv-key", keys + ".key"));
        for (String garbage : new String[] {"", "x", "a.b.c", "abcdefghijklmnop.17", "..", "€.€.€"}) {
            assertEquals(Optional.empty(), tokens.verify(garbage), garbage);
        }
        assertEquals(Optional.empty(), tokens.verify(foreign.assign(ALICE)), "signed by another key");
        assertEquals(Optional.empty(), tokens.verify(rs384.assign(ALICE)), "another sign method");
        String good = tokens.assign(ALICE);
        String[] parts = good.split("\\.");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                "{\"exp\":99999999999,\"revision\":7,\"username\":\"root\"}".getBytes()) + "." + parts[2];
        assertEquals(Optional.empty(), tokens.verify(tampered), "claims changed after signing");
        // the public key used as an HMAC secret: a token must be of the configured method
        JWSObject hs = new JWSObject(new JWSHeader(JWSAlgorithm.HS256), new Payload(Map.of("username", "root",
                "revision", 7, "exp", 99999999999L)));
        hs.sign(new MACSigner(pair.getPublic().getEncoded()));
        assertEquals(Optional.empty(), tokens.verify(hs.serialize()));
        // a validly signed token without etcd's claims
        JwtOptions o = JwtOptions.parse(options("sign-method", "RS256", "priv-key", keys + ".key"));
        JWSObject bare = new JWSObject(new JWSHeader(JWSAlgorithm.RS256), new Payload(Map.of("sub", "root")));
        bare.sign(SigningKeys.load(o).signer().orElseThrow());
        assertEquals(Optional.empty(), tokens.verify(bare.serialize()));
    }

    @Test
    void optionErrorsAreEtcds() {
        String keys = rsaKeys(TestKeys.rsa(), "rsa");
        Path notAKey = TestKeys.write(dir, "notakey", "hello\n");
        Path ecKey = TestKeys.privatePem(dir, "ec.key", TestKeys.ec("secp256r1"));
        Path ecPub = TestKeys.publicPem(dir, "ec.pub", TestKeys.ec("secp256r1"));
        assertStartFails("auth: invalid auth options (auth: invalid auth signature method \"FOO\")",
                "sign-method", "FOO", "pub-key", keys + ".pub");
        assertStartFails("auth: invalid auth options (auth: invalid auth signature method (sign-method is not given))",
                "pub-key", keys + ".pub");
        assertStartFails("auth: invalid auth options (time: invalid duration \"xx\")",
                "sign-method", "RS256", "priv-key", keys + ".key", "ttl", "xx");
        assertStartFails("auth: invalid auth options (open " + dir.resolve("missing") + ": no such file or directory)",
                "sign-method", "RS256", "pub-key", dir.resolve("missing").toString());
        assertStartFails("auth: missing key data", "sign-method", "RS256");
        assertStartFails("auth: missing key data", "sign-method", "ES256");
        assertStartFails("auth: missing key data", "sign-method", "HS256");
        assertStartFails(PemKeys.NOT_PEM, "sign-method", "RS256", "pub-key", notAKey.toString());
        assertStartFails(PemKeys.NOT_PEM, "sign-method", "ES256", "priv-key", notAKey.toString());
        assertStartFails(PemKeys.NOT_RSA_PRIVATE, "sign-method", "RS256", "priv-key", ecKey.toString());
        assertStartFails(PemKeys.NOT_RSA_PUBLIC, "sign-method", "RS256", "pub-key", ecPub.toString());
        assertStartFails(PemKeys.NOT_EC_PRIVATE, "sign-method", "ES256", "priv-key", keys + ".key");
        assertStartFails(PemKeys.NOT_EC_PUBLIC, "sign-method", "ES256", "pub-key", keys + ".pub");
        assertStartFails("unsupported signing method: *jwt.SigningMethodEd25519", "sign-method", "EdDSA",
                "priv-key", keys + ".key");
    }

    @Test
    void anEmptyTtlIsTheDefaultAndUnknownOptionsAreOnlyWarnedAbout() {
        String keys = rsaKeys(TestKeys.rsa(), "rsa");
        JwtOptions o = JwtOptions.parse(options("sign-method", "RS256", "priv-key", keys + ".key", "ttl", "",
                "colour", "blue"));
        assertEquals(Duration.ofMinutes(5), o.ttl());
        assertEquals(java.util.Set.of("colour"), o.unknown());
        assertEquals(Duration.ofMillis(1500), JwtOptions.parse(options("sign-method", "RS256", "ttl", "1.5s")).ttl());
    }

    private void assertStartFails(String message, String... pairs) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JwtTokenProvider.create(options(pairs)));
        assertEquals(message, e.getMessage());
    }
}
