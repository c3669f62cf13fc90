package io.kvorum.spi.tls;

import java.io.IOException;

/**
 * TLS material that cannot be used, with a message naming the flag and the file, e.g.
 * {@code --key-file /etc/kvorum/server.key: the private key does not match the certificate in --cert-file ...}.
 */
public class TlsConfigException extends IOException {
    private static final long serialVersionUID = 1L;

    public TlsConfigException(String message) {
        super(message);
    }

    public TlsConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
