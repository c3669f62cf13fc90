package io.kvorum.server.grpc;

import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.kvorum.server.apply.AuthServer;
import io.kvorum.server.auth.AuthInfo;
import java.util.concurrent.CompletableFuture;

/**
 * Who a call comes from: the token in its metadata ({@code token}, as etcd clients send it, else
 * {@code authorization}, as the gateway forwards it), resolved by the auth store.
 */
final class Callers {
    private static final String TOKEN = "token";
    private static final String AUTHORIZATION = "authorization";

    private final AuthServer auth;

    Callers(AuthServer auth) {
        this.auth = auth;
    }

    /** The current call's token, or empty; call on the thread the service method runs on. */
    static String token() {
        ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
        if (ctx == null) {
            return "";
        }
        RequestHeaders headers = ctx.request().headers();
        String token = headers.get(TOKEN);
        if (token == null) {
            token = headers.get(AUTHORIZATION);
        }
        return token == null ? "" : token;
    }

    /** Who the current call comes from; call on the thread the service method runs on. */
    CompletableFuture<AuthInfo> caller() {
        return auth.caller(token());
    }

    /** The caller of {@code token}. */
    CompletableFuture<AuthInfo> caller(String token) {
        return auth.caller(token);
    }

    /** The current call's caller if they may administer (role root, when auth is on). */
    CompletableFuture<AuthInfo> admin() {
        return auth.admin(token());
    }
}
