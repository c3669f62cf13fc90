package io.kvorum.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Optional;

/**
 * The keys of one member, chosen as etcd's {@code jwtOptions.Key}: with a private key it signs and
 * verifies with that key's public half; with only a public key it verifies and cannot sign (etcd's
 * verify-only member); with neither, "auth: missing key data".
 *
 * @param signer   empty on a verify-only member
 * @param verifier checks a token's signature
 */
record SigningKeys(Optional<JWSSigner> signer, JWSVerifier verifier) {
    static final String MISSING_KEY = "auth: missing key data";
    static final String KEY_MISMATCH = "auth: public and private keys don't match";

    /** @throws IllegalArgumentException with etcd's (golang-jwt's) message */
    static SigningKeys load(JwtOptions options) {
        try {
            return switch (options.method().family()) {
                case RSA -> rsa(options);
                case EC -> ec(options);
                case HMAC -> {
                    byte[] secret = options.privateKey().filter(k -> k.length > 0)
                            .orElseThrow(() -> new IllegalArgumentException(MISSING_KEY));
                    Hmac hmac = new Hmac(options.method().algorithm(), secret);
                    yield new SigningKeys(Optional.of(hmac), hmac);
                }
            };
        } catch (JOSEException | GeneralSecurityException e) {
            throw new IllegalArgumentException("key is invalid: " + e.getMessage(), e);
        }
    }

    private static SigningKeys rsa(JwtOptions options) throws GeneralSecurityException {
        Optional<RSAPrivateKey> priv = options.privateKey().filter(k -> k.length > 0).map(PemKeys::rsaPrivate);
        Optional<RSAPublicKey> pub = options.publicKey().filter(k -> k.length > 0).map(PemKeys::rsaPublic);
        if (priv.isEmpty()) {
            return new SigningKeys(Optional.empty(), new RSASSAVerifier(pub.orElseThrow(
                    () -> new IllegalArgumentException(MISSING_KEY))));
        }
        RSAPublicKey own = publicHalf(priv.get(), pub);
        // etcd refuses a pair only when both the exponent and the modulus differ
        if (pub.isPresent() && !pub.get().getPublicExponent().equals(own.getPublicExponent())
                && !pub.get().getModulus().equals(own.getModulus())) {
            throw new IllegalArgumentException(KEY_MISMATCH);
        }
        return new SigningKeys(Optional.of(new RSASSASigner(priv.get())), new RSASSAVerifier(own));
    }

    private static RSAPublicKey publicHalf(RSAPrivateKey priv, Optional<RSAPublicKey> given)
            throws GeneralSecurityException {
        if (priv instanceof RSAPrivateCrtKey crt) {
            return (RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
        }
        return given.orElseThrow(() -> new IllegalArgumentException(MISSING_KEY));
    }

    private static SigningKeys ec(JwtOptions options) throws GeneralSecurityException, JOSEException {
        Optional<ECPrivateKey> priv = options.privateKey().filter(k -> k.length > 0).map(PemKeys::ecPrivate);
        Optional<ECPublicKey> pub = options.publicKey().filter(k -> k.length > 0).map(PemKeys::ecPublic);
        if (priv.isEmpty()) {
            return new SigningKeys(Optional.empty(), new ECDSAVerifier(pub.orElseThrow(
                    () -> new IllegalArgumentException(MISSING_KEY))));
        }
        ECPublicKey own = publicHalf(priv.get());
        if (pub.isPresent() && !pub.get().getParams().getCurve().equals(own.getParams().getCurve())
                && !pub.get().getW().getAffineX().equals(own.getW().getAffineX())
                && !pub.get().getW().getAffineY().equals(own.getW().getAffineY())) {
            throw new IllegalArgumentException(KEY_MISMATCH);
        }
        return new SigningKeys(Optional.of(new ECDSASigner(priv.get())), new ECDSAVerifier(own));
    }

    /** The public point d·G of an EC private key (the JDK does not hand it out). */
    static ECPublicKey publicHalf(ECPrivateKey priv) throws GeneralSecurityException {
        ECParameterSpec spec = priv.getParams();
        BigInteger p = ((ECFieldFp) spec.getCurve().getField()).getP();
        BigInteger a = spec.getCurve().getA();
        ECPoint result = ECPoint.POINT_INFINITY;
        ECPoint addend = spec.getGenerator();
        BigInteger d = priv.getS();
        for (int i = 0; i < d.bitLength(); i++) {
            if (d.testBit(i)) {
                result = add(result, addend, p, a);
            }
            addend = add(addend, addend, p, a);
        }
        return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(result, spec));
    }

    private static ECPoint add(ECPoint s, ECPoint t, BigInteger p, BigInteger a) {
        if (s.equals(ECPoint.POINT_INFINITY)) {
            return t;
        }
        if (t.equals(ECPoint.POINT_INFINITY)) {
            return s;
        }
        BigInteger x1 = s.getAffineX();
        BigInteger y1 = s.getAffineY();
        BigInteger x2 = t.getAffineX();
        BigInteger y2 = t.getAffineY();
        BigInteger lambda;
        if (x1.equals(x2)) {
            if (!y1.equals(y2) || y1.signum() == 0) {
                return ECPoint.POINT_INFINITY;
            }
            lambda = x1.pow(2).multiply(BigInteger.valueOf(3)).add(a)
                    .multiply(y1.shiftLeft(1).modInverse(p)).mod(p);
        } else {
            lambda = y2.subtract(y1).multiply(x2.subtract(x1).modInverse(p)).mod(p);
        }
        BigInteger x3 = lambda.pow(2).subtract(x1).subtract(x2).mod(p);
        BigInteger y3 = lambda.multiply(x1.subtract(x3)).subtract(y1).mod(p);
        return new ECPoint(x3, y3);
    }
}
