package io.kvorum.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.spi.plugin.PluginOptions;
import io.kvorum.spi.tls.TlsConfigException;
import io.kvorum.spi.tls.TlsContext;
import io.kvorum.spi.tls.TlsMaterial;
import io.kvorum.spi.tls.TlsSettings;
import io.kvorum.spi.tls.TlsSide;
import io.kvorum.tls.testing.TestPki;
import io.kvorum.tls.testing.TestPki.Issued;
import io.kvorum.tls.testing.TestPki.KeyFormat;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PemTlsProviderTest {
    @TempDir
    Path dir;

    private final Issued ca = TestPki.ca("test-ca");

    static List<Arguments> keys() {
        return List.of(
                Arguments.of("RSA PKCS#1", (Supplier<KeyPair>) TestPki::rsa, KeyFormat.TRADITIONAL, "RSA PRIVATE KEY"),
                Arguments.of("RSA PKCS#8", (Supplier<KeyPair>) TestPki::rsa, KeyFormat.PKCS8, "BEGIN PRIVATE KEY"),
                Arguments.of("EC P-256 SEC1", (Supplier<KeyPair>) () -> TestPki.ec("secp256r1"), KeyFormat.TRADITIONAL,
                        "EC PRIVATE KEY"),
                Arguments.of("EC P-256 PKCS#8", (Supplier<KeyPair>) () -> TestPki.ec("secp256r1"), KeyFormat.PKCS8,
                        "BEGIN PRIVATE KEY"),
                Arguments.of("EC P-384 SEC1", (Supplier<KeyPair>) () -> TestPki.ec("secp384r1"), KeyFormat.TRADITIONAL,
                        "EC PRIVATE KEY"),
                Arguments.of("EC P-384 PKCS#8", (Supplier<KeyPair>) () -> TestPki.ec("secp384r1"), KeyFormat.PKCS8,
                        "BEGIN PRIVATE KEY"),
                Arguments.of("Ed25519 PKCS#8", (Supplier<KeyPair>) TestPki::ed25519, KeyFormat.PKCS8, "BEGIN PRIVATE KEY"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keys")
    void readsEachKeyFormatAndServesItsCertificate(String label, Supplier<KeyPair> pairs, KeyFormat format, String header)
            throws Exception {
        Issued leaf = TestPki.leaf(ca, "server", pairs.get());
        String keyText = TestPki.keyPem(leaf.key(), format);
        assertTrue(keyText.contains(header), keyText);
        Path cert = TestPki.write(dir.resolve("server.crt"), TestPki.certificatePem(leaf.certificate(), ca.certificate()));
        Path key = TestPki.write(dir.resolve("server.key"), keyText);

        try (TlsMaterial material = open(settings(cert, key, null, null, false))) {
            X509ExtendedKeyManager km = material.keyManager();
            String keyType = Credentials.keyType(leaf.key());
            String alias = km.chooseServerAlias(keyType, null, null);
            X509Certificate[] chain = km.getCertificateChain(alias);
            assertEquals(2, chain.length, "the whole chain is served");
            assertEquals(leaf.certificate(), chain[0]);
            if (leaf.key() instanceof java.security.interfaces.ECPrivateKey ec) {
                // The same scalar; the encodings differ in whether they repeat the curve.
                assertEquals(ec.getS(), ((java.security.interfaces.ECPrivateKey) km.getPrivateKey(alias)).getS());
            } else {
                assertEquals(leaf.key(), km.getPrivateKey(alias));
            }
        }
    }

    @Test
    void aKeyThatDoesNotMatchItsCertificateFailsNamingTheFlagAndTheFile() {
        Issued leaf = TestPki.leaf(ca, "server", TestPki.ec("secp256r1"));
        Path cert = TestPki.write(dir.resolve("server.crt"), TestPki.certificatePem(leaf.certificate()));
        Path key = TestPki.write(dir.resolve("other.key"),
                TestPki.keyPem(TestPki.ec("secp256r1").getPrivate(), KeyFormat.TRADITIONAL));
        TlsConfigException e = assertThrows(TlsConfigException.class, () -> open(settings(cert, key, null, null, false)));
        assertEquals("--key-file " + key + ": the private key does not match the certificate in --cert-file " + cert,
                e.getMessage());
    }

    @Test
    void aKeyOfAnotherAlgorithmDoesNotMatchEither() {
        Issued leaf = TestPki.leaf(ca, "server", TestPki.ec("secp256r1"));
        Path cert = TestPki.write(dir.resolve("server.crt"), TestPki.certificatePem(leaf.certificate()));
        Path key = TestPki.write(dir.resolve("rsa.key"), TestPki.keyPem(TestPki.rsa().getPrivate(), KeyFormat.PKCS8));
        TlsConfigException e = assertThrows(TlsConfigException.class, () -> open(settings(cert, key, null, null, false)));
        assertTrue(e.getMessage().startsWith("--key-file " + key + ": the private key does not match"), e.getMessage());
    }

    @Test
    void aFileThatIsNotPemFailsNamingTheFlagAndTheFile() {
        Issued leaf = TestPki.leaf(ca, "server", TestPki.ec("secp256r1"));
        Path cert = TestPki.write(dir.resolve("server.crt"), "this is not a certificate\n");
        Path key = TestPki.write(dir.resolve("server.key"), TestPki.keyPem(leaf.key(), KeyFormat.PKCS8));
        TlsConfigException e = assertThrows(TlsConfigException.class, () -> open(settings(cert, key, null, null, false)));
        assertTrue(e.getMessage().startsWith("--cert-file " + cert + ": "), e.getMessage());

        Path goodCert = TestPki.write(dir.resolve("good.crt"), TestPki.certificatePem(leaf.certificate()));
        Path badKey = TestPki.write(dir.resolve("bad.key"), TestPki.certificatePem(leaf.certificate()));
        e = assertThrows(TlsConfigException.class, () -> open(settings(goodCert, badKey, null, null, false)));
        assertTrue(e.getMessage().startsWith("--key-file " + badKey + ": no PEM private key"), e.getMessage());

        Path badCa = TestPki.write(dir.resolve("ca.crt"), "garbage");
        e = assertThrows(TlsConfigException.class, () -> open(settings(goodCert, key, badCa, null, false)));
        assertTrue(e.getMessage().startsWith("--trusted-ca-file " + badCa + ": "), e.getMessage());
    }

    @Test
    void aMissingFileFailsNamingTheFlagAndTheFile() {
        Path cert = dir.resolve("missing.crt");
        Path key = dir.resolve("missing.key");
        TlsConfigException e = assertThrows(TlsConfigException.class, () -> open(settings(cert, key, null, null, false)));
        assertTrue(e.getMessage().startsWith("--cert-file " + cert + ": cannot read"), e.getMessage());
    }

    @Test
    void anExpiredCertificateFailsNamingTheFlagAndTheFile() {
        Issued leaf = TestPki.leaf(ca, "server", TestPki.ec("secp256r1"), Instant.now().minus(Duration.ofDays(3)),
                Instant.now().minus(Duration.ofDays(1)), List.of("127.0.0.1"));
        Path cert = TestPki.write(dir.resolve("server.crt"), TestPki.certificatePem(leaf.certificate()));
        Path key = TestPki.write(dir.resolve("server.key"), TestPki.keyPem(leaf.key(), KeyFormat.PKCS8));
        TlsConfigException e = assertThrows(TlsConfigException.class, () -> open(settings(cert, key, null, null, false)));
        assertTrue(e.getMessage().startsWith("--cert-file " + cert + ": the certificate CN=server expired on "),
                e.getMessage());
    }

    @Test
    void peerSideMessagesNameThePeerFlags() {
        Issued leaf = TestPki.leaf(ca, "server", TestPki.ec("secp256r1"));
        Path cert = TestPki.write(dir.resolve("peer.crt"), TestPki.certificatePem(leaf.certificate()));
        Path key = TestPki.write(dir.resolve("peer.key"), TestPki.keyPem(TestPki.rsa().getPrivate(), KeyFormat.PKCS8));
        TlsConfigException e = assertThrows(TlsConfigException.class, () -> new PemTlsProvider().open(
                new TlsContext(TlsSide.PEER, settings(cert, key, null, null, false), dir, PluginOptions.empty())));
        assertTrue(e.getMessage().startsWith("--peer-key-file " + key + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("--peer-cert-file " + cert), e.getMessage());
    }

    @Test
    void clientCertificatesFromAnyCaOfTheBundleAreTrustedAndOthersAreNot() throws Exception {
        Issued second = TestPki.ca("second-ca");
        Issued stranger = TestPki.ca("stranger-ca");
        Path bundle = TestPki.write(dir.resolve("ca.crt"), TestPki.certificatePem(ca.certificate(), second.certificate()));
        try (TlsMaterial material = open(serverWithCa(bundle, null, true))) {
            X509ExtendedTrustManager tm = material.trustManager().orElseThrow();
            assertTrue(material.clientCertRequired());
            tm.checkClientTrusted(chain(TestPki.leaf(ca, "a", TestPki.ec("secp256r1"))), "EC");
            tm.checkClientTrusted(chain(TestPki.leaf(second, "b", TestPki.rsa())), "RSA");
            assertThrows(CertificateException.class,
                    () -> tm.checkClientTrusted(chain(TestPki.leaf(stranger, "c", TestPki.ec("secp256r1"))), "EC"));
        }
    }

    @Test
    void aCertificateListedInTheCrlIsRefused() throws Exception {
        Issued revoked = TestPki.leaf(ca, "revoked", TestPki.ec("secp256r1"));
        Issued fine = TestPki.leaf(ca, "fine", TestPki.ec("secp256r1"));
        Path bundle = TestPki.write(dir.resolve("ca.crt"), TestPki.certificatePem(ca.certificate()));
        Path crl = TestPki.write(dir.resolve("ca.crl"), TestPki.crlPem(ca, revoked.certificate()));
        try (TlsMaterial material = open(serverWithCa(bundle, crl, true))) {
            X509ExtendedTrustManager tm = material.trustManager().orElseThrow();
            tm.checkClientTrusted(chain(fine), "EC");
            CertificateException e = assertThrows(CertificateException.class, () -> tm.checkClientTrusted(chain(revoked), "EC"));
            assertTrue(e.getMessage().startsWith("certificate revoked: CN=revoked"), e.getMessage());
        }
    }

    @Test
    void onlyTheAllowedCommonNamesAndHostnamesPass() throws Exception {
        Path bundle = TestPki.write(dir.resolve("ca.crt"), TestPki.certificatePem(ca.certificate()));
        Issued leaf = TestPki.leaf(ca, "server", TestPki.ec("secp256r1"));
        Path cert = TestPki.write(dir.resolve("server.crt"), TestPki.certificatePem(leaf.certificate()));
        Path key = TestPki.write(dir.resolve("server.key"), TestPki.keyPem(leaf.key(), KeyFormat.PKCS8));
        TlsSettings byCn = new TlsSettings(Optional.of(cert), Optional.of(key), Optional.of(bundle), true, Optional.empty(),
                false, 1, List.of(), List.of("member-1"), List.of(), List.of(), TlsSettings.DEFAULT_PROTOCOLS);
        try (TlsMaterial material = open(byCn)) {
            X509ExtendedTrustManager tm = material.trustManager().orElseThrow();
            tm.checkClientTrusted(chain(TestPki.leaf(ca, "member-1", TestPki.ec("secp256r1"))), "EC");
            assertThrows(CertificateException.class,
                    () -> tm.checkClientTrusted(chain(TestPki.leaf(ca, "intruder", TestPki.ec("secp256r1"))), "EC"));
        }
        TlsSettings byHost = new TlsSettings(Optional.of(cert), Optional.of(key), Optional.of(bundle), true,
                Optional.empty(), false, 1, List.of(), List.of(), List.of("client.example.com"), List.of(),
                TlsSettings.DEFAULT_PROTOCOLS);
        try (TlsMaterial material = open(byHost)) {
            X509ExtendedTrustManager tm = material.trustManager().orElseThrow();
            tm.checkClientTrusted(chain(TestPki.leaf(ca, "x", TestPki.ec("secp256r1"), Instant.now().minusSeconds(60),
                    Instant.now().plusSeconds(3600), List.of("client.example.com"))), "EC");
            assertThrows(CertificateException.class, () -> tm.checkClientTrusted(chain(TestPki.leaf(ca, "client.example.com",
                    TestPki.ec("secp256r1"), Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600),
                    List.of("other.example.com"))), "EC"));
        }
    }

    @Test
    void rotatedFilesAreServedFromTheNextHandshakeAndABrokenRotationKeepsTheOldOnes() throws Exception {
        Issued first = TestPki.leaf(ca, "first", TestPki.ec("secp256r1"));
        Path cert = TestPki.write(dir.resolve("server.crt"), TestPki.certificatePem(first.certificate()));
        Path key = TestPki.write(dir.resolve("server.key"), TestPki.keyPem(first.key(), KeyFormat.PKCS8));
        try (TlsMaterial material = new PemTlsProvider().open(new TlsContext(TlsSide.CLIENT,
                settings(cert, key, null, null, false), dir, PluginOptions.of(Map.of("reload-interval-ms", "20"))))) {
            X509ExtendedKeyManager km = material.keyManager();
            // Half a rotation: a new certificate with the old key is not taken.
            Issued second = TestPki.leaf(ca, "second", TestPki.rsa());
            TestPki.write(cert, TestPki.certificatePem(second.certificate()));
            Thread.sleep(200);
            assertEquals(first.certificate(), served(km, "EC"));
            TestPki.write(key, TestPki.keyPem(second.key(), KeyFormat.TRADITIONAL));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!second.certificate().equals(served(km, "RSA")) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(second.certificate(), served(km, "RSA"));
            assertEquals(null, km.chooseServerAlias("EC", null, null), "the EC key is gone");
        }
    }

    @Test
    void autoTlsCreatesASelfSignedCertificateOnceAndUsesItAgain() throws Exception {
        TlsSettings auto = new TlsSettings(Optional.empty(), Optional.empty(), Optional.empty(), false, Optional.empty(),
                true, 1, List.of("127.0.0.1", "localhost"), List.of(), List.of(), List.of(), TlsSettings.DEFAULT_PROTOCOLS);
        X509Certificate firstRun;
        try (TlsMaterial material = open(auto)) {
            firstRun = served(material.keyManager(), "EC");
            assertTrue(ReloadingTrustManager.validFor(firstRun, "127.0.0.1"));
            assertTrue(ReloadingTrustManager.validFor(firstRun, "localhost"));
            assertFalse(material.trustManager().isPresent());
        }
        try (TlsMaterial material = open(auto)) {
            assertEquals(firstRun, served(material.keyManager(), "EC"));
        }
    }

    @Test
    void isDeclaredAsTheModulesTlsProviderNamedPem() {
        var provides = PemTlsProvider.class.getModule().getDescriptor().provides();
        assertTrue(provides.stream().anyMatch(p -> p.service().equals(io.kvorum.spi.tls.TlsProvider.class.getName())
                && p.providers().equals(List.of(PemTlsProvider.class.getName()))), provides.toString());
        assertEquals("pem", new PemTlsProvider().name());
    }

    private static X509Certificate served(X509ExtendedKeyManager km, String keyType) {
        String alias = km.chooseServerAlias(keyType, null, null);
        return alias == null ? null : km.getCertificateChain(alias)[0];
    }

    private X509Certificate[] chain(Issued leaf) {
        return new X509Certificate[] {leaf.certificate()};
    }

    private TlsSettings serverWithCa(Path bundle, Path crl, boolean clientCertAuth) {
        Issued leaf = TestPki.leaf(ca, "server", TestPki.ec("secp256r1"));
        Path cert = TestPki.write(dir.resolve("server.crt"), TestPki.certificatePem(leaf.certificate()));
        Path key = TestPki.write(dir.resolve("server.key"), TestPki.keyPem(leaf.key(), KeyFormat.PKCS8));
        return settings(cert, key, bundle, crl, clientCertAuth);
    }

    private static TlsSettings settings(Path cert, Path key, Path ca, Path crl, boolean clientCertAuth) {
        return new TlsSettings(Optional.ofNullable(cert), Optional.ofNullable(key), Optional.ofNullable(ca), clientCertAuth,
                Optional.ofNullable(crl), false, 1, List.of(), List.of(), List.of(), List.of(), TlsSettings.DEFAULT_PROTOCOLS);
    }

    private TlsMaterial open(TlsSettings settings) throws Exception {
        return new PemTlsProvider().open(new TlsContext(TlsSide.CLIENT, settings, dir.resolve("fixtures"),
                PluginOptions.empty()));
    }
}
