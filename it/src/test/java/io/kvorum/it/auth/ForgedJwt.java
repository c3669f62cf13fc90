package io.kvorum.it.auth;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/** JWTs made by the test with the JDK alone, to send tokens no server would issue (expired, foreign, other method). */
final class ForgedJwt {
    private ForgedJwt() {
    }

    /** An RS-signed JWT with etcd's claims, signed with the PKCS#8 key in {@code keyFile}. */
    static String rs(String alg, Path keyFile, String user, long revision, long exp) {
        try {
            String pem = Files.readString(keyFile).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(
                    new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
            String header = b64url("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}");
            String payload = b64url("{\"exp\":" + exp + ",\"revision\":" + revision + ",\"username\":\"" + user + "\"}");
            Signature s = Signature.getInstance("SHA" + alg.substring(2) + "withRSA");
            s.initSign(key);
            s.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
            return header + "." + payload + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
        } catch (java.io.IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
