package io.kvorum.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HS256/384/512 with a secret of any length, as golang-jwt signs (nimbus' own MAC signer refuses
 * secrets shorter than the hash, which etcd accepts).
 */
final class Hmac implements JWSSigner, JWSVerifier {
    private final JWSAlgorithm algorithm;
    private final String macName;
    private final byte[] secret;
    private final JCAContext jca = new JCAContext();

    Hmac(JWSAlgorithm algorithm, byte[] secret) {
        this.algorithm = algorithm;
        this.macName = "Hmac" + "SHA" + algorithm.getName().substring(2);
        this.secret = secret.clone();
    }

    @Override
    public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
        return Base64URL.encode(mac(signingInput));
    }

    @Override
    public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) throws JOSEException {
        return header.getAlgorithm().equals(algorithm) && MessageDigest.isEqual(mac(signingInput), signature.decode());
    }

    private byte[] mac(byte[] input) throws JOSEException {
        try {
            Mac mac = Mac.getInstance(macName);
            mac.init(new SecretKeySpec(secret, macName));
            return mac.doFinal(input);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new JOSEException("key is invalid", e);
        }
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return Set.of(algorithm);
    }

    @Override
    public JCAContext getJCAContext() {
        return jca;
    }
}
