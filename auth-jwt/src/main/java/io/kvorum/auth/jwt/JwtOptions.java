package io.kvorum.auth.jwt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The options after {@code jwt} in {@code --auth-token}, read as etcd's {@code jwtOptions.Parse}:
 * {@code ttl} (a Go duration, default 5m), the files {@code pub-key} and {@code priv-key} (read
 * whole), and {@code sign-method}, the one option that must be given. Any of them wrong fails with
 * etcd's "auth: invalid auth options", followed by the reason etcd only logs.
 *
 * @param method     the sign method
 * @param publicKey  the {@code pub-key} file's bytes, if given
 * @param privateKey the {@code priv-key} file's bytes, if given
 * @param ttl        how long a token is valid after it was signed
 * @param unknown    options etcd does not know (it warns and goes on)
 */
record JwtOptions(SignMethod method, Optional<byte[]> publicKey, Optional<byte[]> privateKey, Duration ttl,
                  Set<String> unknown) {
    static final String SIGN_METHOD = "sign-method";
    static final String PUBLIC_KEY = "pub-key";
    static final String PRIVATE_KEY = "priv-key";
    static final String TTL = "ttl";
    static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

    /** etcd's ErrInvalidAuthOpts. */
    static final String INVALID_OPTIONS = "auth: invalid auth options";
    /** etcd's ErrInvalidAuthMethod, logged before INVALID_OPTIONS. */
    static final String INVALID_METHOD = "auth: invalid auth signature method";

    /** The methods etcd's option parser knows but its key loader refuses, with its message. */
    private static final Map<String, String> UNSUPPORTED = Map.of(
            "EdDSA", "unsupported signing method: *jwt.SigningMethodEd25519",
            "none", "unsupported signing method: *jwt.signingMethodNone");

    /** @throws IllegalArgumentException with etcd's message */
    static JwtOptions parse(Map<String, String> options) {
        Duration ttl = DEFAULT_TTL;
        String ttlText = options.getOrDefault(TTL, "");
        if (!ttlText.isEmpty()) {
            try {
                ttl = GoDurations.parse(ttlText);
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage());
            }
        }
        Optional<byte[]> publicKey = read(options.getOrDefault(PUBLIC_KEY, ""));
        Optional<byte[]> privateKey = read(options.getOrDefault(PRIVATE_KEY, ""));
        String name = options.getOrDefault(SIGN_METHOD, "");
        if (UNSUPPORTED.containsKey(name)) {
            throw new IllegalArgumentException(UNSUPPORTED.get(name));
        }
        SignMethod method = SignMethod.named(name).orElseThrow(() -> invalid(INVALID_METHOD
                + (name.isEmpty() ? " (sign-method is not given)" : " \"" + name + "\"")));
        Set<String> unknown = new TreeSet<>(options.keySet());
        unknown.removeAll(Set.of(SIGN_METHOD, PUBLIC_KEY, PRIVATE_KEY, TTL));
        return new JwtOptions(method, publicKey, privateKey, ttl, unknown);
    }

    private static Optional<byte[]> read(String file) {
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readAllBytes(Path.of(file)));
        } catch (NoSuchFileException | InvalidPathException e) {
            throw invalid("open " + file + ": no such file or directory");
        } catch (IOException e) {
            throw invalid("read " + file + ": " + e.getMessage());
        }
    }

    private static IllegalArgumentException invalid(String reason) {
        return new IllegalArgumentException(INVALID_OPTIONS + " (" + reason + ")");
    }
}
