package io.kvorum.server.grpc;

import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.kvorum.server.request.AuthRequests;
import io.kvorum.server.auth.AuthInfo;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who a call comes from, as etcd's {@code AuthInfoFromCtx}: the token in its metadata
 * ({@code token}, as etcd clients send it, else {@code authorization}, as the gateway forwards it),
 * resolved by the auth store; without a token, and with {@code --client-cert-auth}, the common name
 * of the client's verified certificate ({@code AuthInfoFromTLS}). As in etcd, a call through the
 * JSON gateway never authenticates by certificate (etcd's gateway reaches the server over gRPC with
 * the server's own certificate); while auth is on, the gateway refuses a certificate with a common
 * name outright ({@link io.kvorum.server.gateway.JsonGateway}).
 */
final class Callers {
    private static final String TOKEN = "token";
    private static final String AUTHORIZATION = "authorization";

    /**
     * What a call presents: its token (empty without one) and the common name of its verified
     * client certificate (gRPC calls over mutual TLS only).
     */
    record Credentials(String token, Optional<String> commonName) {
        static final Credentials NONE = new Credentials("", Optional.empty());
    }

    private final AuthRequests auth;
    private final boolean clientCertAuth;

    /** @param clientCertAuth {@code --client-cert-auth}: a certificate's common name names the user */
    Callers(AuthRequests auth, boolean clientCertAuth) {
        this.auth = auth;
        this.clientCertAuth = clientCertAuth;
    }

    /** The current call's credentials; call on the thread the service method runs on. */
    static Credentials credentials() {
        ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
        if (ctx == null) {
            return Credentials.NONE;
        }
        RequestHeaders headers = ctx.request().headers();
        String token = headers.get(TOKEN);
        if (token == null) {
            token = headers.get(AUTHORIZATION);
        }
        return new Credentials(token == null ? "" : token, isGrpc(headers) ? commonName(ctx.sslSession())
                : Optional.empty());
    }

    private static boolean isGrpc(RequestHeaders headers) {
        MediaType type = headers.contentType();
        return type != null && type.subtype().startsWith("grpc");
    }

    /** The CN of the peer's certificate (the last CN, as Go's {@code Subject.CommonName}), if verified. */
    static Optional<String> commonName(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return Optional.empty();
        }
        return DistinguishedNames.commonName(leaf.getSubjectX500Principal().getName());
    }

    /** Who the current call comes from; call on the thread the service method runs on. */
    CompletableFuture<AuthInfo> caller() {
        return caller(credentials());
    }

    /** The caller presenting {@code credentials}. */
    CompletableFuture<AuthInfo> caller(Credentials credentials) {
        if (credentials.token().isEmpty() && clientCertAuth && credentials.commonName().isPresent()) {
            return auth.certificateCaller(credentials.commonName().get());
        }
        return auth.caller(credentials.token());
    }

    /** The current call's caller if they may administer (role root, when auth is on). */
    CompletableFuture<AuthInfo> admin() {
        return caller().thenApply(auth::checkAdmin);
    }
}
