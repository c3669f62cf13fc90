package io.kvorum.auth.jwt;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the keys of the {@code pub-key} and {@code priv-key} files as etcd does (golang-jwt's
 * {@code Parse…FromPEM}): the first PEM block; RSA private keys in PKCS#1 or PKCS#8, EC private keys
 * in SEC1 or PKCS#8, public keys as PKIX or inside a certificate. A file that is not what the sign
 * method needs fails with golang-jwt's message ("invalid key: Key must be a PEM encoded PKCS1 or
 * PKCS8 key", "key is not a valid RSA private key", …).
 */
final class PemKeys {
    static final String NOT_PEM = "invalid key: Key must be a PEM encoded PKCS1 or PKCS8 key";
    static final String NOT_RSA_PRIVATE = "key is not a valid RSA private key";
    static final String NOT_RSA_PUBLIC = "key is not a valid RSA public key";
    static final String NOT_EC_PRIVATE = "key is not a valid ECDSA private key";
    static final String NOT_EC_PUBLIC = "key is not a valid ECDSA public key";

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([^-\\r\\n]*)-----\\r?\\n(.*?)-----END \\1-----", Pattern.DOTALL);
    /** rsaEncryption (1.2.840.113549.1.1.1) with its NULL parameters, as PKCS#8 names it. */
    private static final byte[] RSA_ALGORITHM = hex("300d06092a864886f70d0101010500");
    /** id-ecPublicKey (1.2.840.10045.2.1). */
    private static final byte[] EC_OID = hex("06072a8648ce3d0201");

    private PemKeys() {
    }

    static RSAPrivateKey rsaPrivate(byte[] file) {
        byte[] der = firstBlock(file);
        PrivateKey key = privateKey("RSA", wrapPkcs8(RSA_ALGORITHM, der))
                .or(() -> anyPkcs8(der))
                .orElseThrow(() -> new IllegalArgumentException(
                        isSec1(der) ? "x509: failed to parse private key (use ParseECPrivateKey instead for this key format)"
                                : "x509: failed to parse private key"));
        if (key instanceof RSAPrivateKey rsa) {
            return rsa;
        }
        throw new IllegalArgumentException(NOT_RSA_PRIVATE);
    }

    static ECPrivateKey ecPrivate(byte[] file) {
        byte[] der = firstBlock(file);
        PrivateKey key = sec1(der).or(() -> anyPkcs8(der))
                .orElseThrow(() -> new IllegalArgumentException("x509: failed to parse private key"));
        if (key instanceof ECPrivateKey ec) {
            return ec;
        }
        throw new IllegalArgumentException(NOT_EC_PRIVATE);
    }

    static RSAPublicKey rsaPublic(byte[] file) {
        if (publicKey(firstBlock(file)) instanceof RSAPublicKey rsa) {
            return rsa;
        }
        throw new IllegalArgumentException(NOT_RSA_PUBLIC);
    }

    static ECPublicKey ecPublic(byte[] file) {
        if (publicKey(firstBlock(file)) instanceof ECPublicKey ec) {
            return ec;
        }
        throw new IllegalArgumentException(NOT_EC_PUBLIC);
    }

    /** The bytes of the first PEM block, as Go's {@code pem.Decode}. */
    private static byte[] firstBlock(byte[] file) {
        Matcher m = BLOCK.matcher(new String(file, StandardCharsets.ISO_8859_1));
        while (m.find()) {
            StringBuilder body = new StringBuilder();
            for (String line : m.group(2).split("\\r?\\n")) {
                if (!line.contains(":")) { // PEM headers (Proc-Type: …) carry no key bytes
                    body.append(line.strip());
                }
            }
            try {
                return Base64.getDecoder().decode(body.toString());
            } catch (IllegalArgumentException e) {
                // Go skips a block it cannot decode and looks for the next one
            }
        }
        throw new IllegalArgumentException(NOT_PEM);
    }

    /** A PKIX public key, else the public key of an X.509 certificate. */
    private static PublicKey publicKey(byte[] der) {
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this kind of key; try the next
            }
        }
        try {
            return CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der))
                    .getPublicKey();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("x509: malformed certificate", e);
        }
    }

    private static Optional<PrivateKey> anyPkcs8(byte[] der) {
        return privateKey("RSA", der).or(() -> privateKey("EC", der));
    }

    private static Optional<PrivateKey> privateKey(String algorithm, byte[] pkcs8) {
        try {
            return Optional.of(KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8)));
        } catch (GeneralSecurityException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * A SEC1 {@code ECPrivateKey} (RFC 5915), which names its curve inside: moved into PKCS#8 with the
     * curve as the algorithm's parameters, the form the JDK reads.
     */
    private static Optional<PrivateKey> sec1(byte[] der) {
        try {
            Der.Reader seq = new Der.Reader(der).sequence();
            if (seq.integer() != 1) {
                return Optional.empty();
            }
            seq.skip(); // the private key octets
            byte[] curve = null;
            while (seq.hasMore()) {
                int tag = seq.peekTag();
                byte[] content = seq.raw();
                if (tag == 0xA0) {
                    curve = new Der.Reader(content).contentOfExplicit();
                }
            }
            if (curve == null) {
                return Optional.empty();
            }
            byte[] algorithm = Der.sequence(EC_OID, curve);
            return privateKey("EC", wrapPkcs8(algorithm, der));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static boolean isSec1(byte[] der) {
        return sec1(der).isPresent();
    }

    private static byte[] wrapPkcs8(byte[] algorithm, byte[] key) {
        return Der.sequence(new byte[] {0x02, 0x01, 0x00}, algorithm, Der.tlv(0x04, key));
    }

    private static byte[] hex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    /** Just enough DER to move a key between its PEM forms. */
    static final class Der {
        private Der() {
        }

        static byte[] sequence(byte[]... parts) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] p : parts) {
                out.writeBytes(p);
            }
            return tlv(0x30, out.toByteArray());
        }

        static byte[] tlv(int tag, byte[] content) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(tag);
            int n = content.length;
            if (n < 0x80) {
                out.write(n);
            } else {
                int bytes = (32 - Integer.numberOfLeadingZeros(n) + 7) / 8;
                out.write(0x80 | bytes);
                for (int i = bytes - 1; i >= 0; i--) {
                    out.write(n >>> (8 * i));
                }
            }
            out.writeBytes(content);
            return out.toByteArray();
        }

        /** Reads TLVs one after another; every malformed length is an IllegalArgumentException. */
        static final class Reader {
            private final byte[] data;
            private int at;
            private final int end;

            Reader(byte[] data) {
                this(data, 0, data.length);
            }

            private Reader(byte[] data, int from, int end) {
                this.data = data;
                this.at = from;
                this.end = end;
            }

            boolean hasMore() {
                return at < end;
            }

            int peekTag() {
                need(1);
                return data[at] & 0xff;
            }

            /** The whole next TLV, tag and length included. */
            byte[] raw() {
                int start = at;
                int[] header = header();
                at = header[0] + header[1];
                return java.util.Arrays.copyOfRange(data, start, at);
            }

            void skip() {
                int[] header = header();
                at = header[0] + header[1];
            }

            Reader sequence() {
                if (peekTag() != 0x30) {
                    throw new IllegalArgumentException("not a sequence");
                }
                int[] header = header();
                at = header[0] + header[1];
                return new Reader(data, header[0], header[0] + header[1]);
            }

            long integer() {
                if (peekTag() != 0x02) {
                    throw new IllegalArgumentException("not an integer");
                }
                int[] header = header();
                if (header[1] < 1 || header[1] > 7) {
                    throw new IllegalArgumentException("integer too long");
                }
                long v = 0;
                for (int i = 0; i < header[1]; i++) {
                    v = (v << 8) | (data[header[0] + i] & 0xff);
                }
                at = header[0] + header[1];
                return v;
            }

            /** The content of an explicitly tagged value that is this whole reader's data. */
            byte[] contentOfExplicit() {
                int[] header = header();
                return java.util.Arrays.copyOfRange(data, header[0], header[0] + header[1]);
            }

            /** {content offset, content length} of the TLV at {@code at}. */
            private int[] header() {
                need(2);
                int p = at + 1;
                int first = data[p++] & 0xff;
                int length;
                if (first < 0x80) {
                    length = first;
                } else {
                    int bytes = first & 0x7f;
                    if (bytes == 0 || bytes > 3) {
                        throw new IllegalArgumentException("unsupported length");
                    }
                    if (p + bytes > end) {
                        throw new IllegalArgumentException("truncated");
                    }
                    length = 0;
                    for (int i = 0; i < bytes; i++) {
                        length = (length << 8) | (data[p++] & 0xff);
                    }
                }
                if (length > end - p) {
                    throw new IllegalArgumentException("truncated");
                }
                return new int[] {p, length};
            }

            private void need(int n) {
                if (at + n > end) {
                    throw new IllegalArgumentException("truncated");
                }
            }
        }
    }
}
