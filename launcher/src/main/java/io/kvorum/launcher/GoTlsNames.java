package io.kvorum.launcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * etcd's TLS flag values, as Go spells them, in the JDK's names: cipher suites
 * ({@code --cipher-suites}) and TLS versions ({@code --tls-min-version}, {@code --tls-max-version}).
 * Go's suite names are the IANA names the JDK uses, except two ChaCha20 suites etcd also accepts
 * without their {@code _SHA256} suffix.
 */
final class GoTlsNames {
    private GoTlsNames() {
    }

    /** Every name Go's {@code tls.CipherSuites()} and {@code tls.InsecureCipherSuites()} know. */
    private static final Set<String> GO_SUITES = Set.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
            "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256");

    /** The short names etcd's {@code tlsutil.GetCipherSuite} accepts besides Go's. */
    private static final Map<String, String> ALIASES = Map.of(
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");

    /** TLS versions etcd 3.5 accepts, to the JDK's protocol names. */
    private static final Map<String, String> VERSIONS = Map.of("TLS1.2", "TLSv1.2", "TLS1.3", "TLSv1.3");

    /** {@code --cipher-suites}: comma-separated Go names to JDK names. */
    static List<String> cipherSuites(String value) {
        List<String> suites = new ArrayList<>();
        if (value.isBlank()) {
            return suites;
        }
        for (String part : value.split(",", -1)) {
            String name = part.trim();
            String jdk = ALIASES.getOrDefault(name, name);
            if (!GO_SUITES.contains(jdk)) {
                throw new IllegalArgumentException("unexpected TLS cipher suite \"" + name + "\"");
            }
            suites.add(jdk);
        }
        return suites;
    }

    /** {@code TLS1.2} or {@code TLS1.3} to the JDK's {@code TLSv1.2} or {@code TLSv1.3}. */
    static String version(String value) {
        String jdk = VERSIONS.get(value);
        if (jdk == null) {
            throw new IllegalArgumentException("unexpected TLS version \"" + value + "\" (must be one of: TLS1.2, TLS1.3)");
        }
        return jdk;
    }

    /** The JDK protocol names from {@code min} to {@code max} (inclusive), both JDK names. */
    static List<String> protocols(String min, String max) {
        List<String> all = List.of("TLSv1.2", "TLSv1.3");
        int from = all.indexOf(min);
        int to = all.indexOf(max);
        if (from > to) {
            throw new IllegalArgumentException("min version (" + min + ") is greater than max version (" + max + ")");
        }
        return all.subList(from, to + 1);
    }
}
