package io.kvorum.server.grpc;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Reads the common name out of an RFC 2253 distinguished name, as the JDK renders a certificate's subject. */
public final class DistinguishedNames {
    private DistinguishedNames() {
    }

    /**
     * The value of the CN attribute that comes last in the certificate (first in the RFC 2253
     * string, which lists the attributes in reverse), as Go keeps the last one it reads; empty
     * when there is none or it is empty.
     */
    public static Optional<String> commonName(String rfc2253) {
        int at = 0;
        while (at < rfc2253.length()) {
            int eq = rfc2253.indexOf('=', at);
            if (eq < 0) {
                return Optional.empty();
            }
            String type = rfc2253.substring(at, eq).strip();
            ByteArrayOutputStream value = new ByteArrayOutputStream();
            int i = eq + 1;
            while (i < rfc2253.length() && rfc2253.charAt(i) != ',' && rfc2253.charAt(i) != '+') {
                char c = rfc2253.charAt(i);
                if (c == '\\' && i + 1 < rfc2253.length()) {
                    char next = rfc2253.charAt(i + 1);
                    if (i + 2 < rfc2253.length() && isHex(next) && isHex(rfc2253.charAt(i + 2))) {
                        value.write(Integer.parseInt(rfc2253.substring(i + 1, i + 3), 16));
                        i += 3;
                    } else {
                        value.writeBytes(String.valueOf(next).getBytes(StandardCharsets.UTF_8));
                        i += 2;
                    }
                } else {
                    value.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                    i++;
                }
            }
            if (type.equalsIgnoreCase("CN") || type.equals("2.5.4.3")) {
                String cn = value.toString(StandardCharsets.UTF_8);
                return cn.isEmpty() ? Optional.empty() : Optional.of(cn);
            }
            at = i + 1;
        }
        return Optional.empty();
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }
}
