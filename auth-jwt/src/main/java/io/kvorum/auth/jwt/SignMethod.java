package io.kvorum.auth.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import java.util.Arrays;
import java.util.Optional;

/**
 * etcd's {@code sign-method} values: the JWS algorithms etcd 3.4 signs with, grouped by the kind of
 * key each needs. (etcd also names {@code none} and {@code EdDSA}, but refuses to start with them.)
 */
enum SignMethod {
    RS256(Family.RSA, JWSAlgorithm.RS256),
    RS384(Family.RSA, JWSAlgorithm.RS384),
    RS512(Family.RSA, JWSAlgorithm.RS512),
    PS256(Family.RSA, JWSAlgorithm.PS256),
    PS384(Family.RSA, JWSAlgorithm.PS384),
    PS512(Family.RSA, JWSAlgorithm.PS512),
    ES256(Family.EC, JWSAlgorithm.ES256),
    ES384(Family.EC, JWSAlgorithm.ES384),
    ES512(Family.EC, JWSAlgorithm.ES512),
    /** The secret is the whole {@code priv-key} file, as etcd reads it. */
    HS256(Family.HMAC, JWSAlgorithm.HS256),
    HS384(Family.HMAC, JWSAlgorithm.HS384),
    HS512(Family.HMAC, JWSAlgorithm.HS512);

    /** The kind of key a method signs with. */
    enum Family { RSA, EC, HMAC }

    private final Family family;
    private final JWSAlgorithm algorithm;

    SignMethod(Family family, JWSAlgorithm algorithm) {
        this.family = family;
        this.algorithm = algorithm;
    }

    Family family() {
        return family;
    }

    JWSAlgorithm algorithm() {
        return algorithm;
    }

    /** The method named exactly {@code name} (case matters, as in etcd). */
    static Optional<SignMethod> named(String name) {
        return Arrays.stream(values()).filter(m -> m.name().equals(name)).findFirst();
    }
}
