package io.kvorum.server.v2http;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.kvorum.server.grpc.DistinguishedNames;
import io.kvorum.server.v2auth.V2AuthError;
import io.kvorum.server.v2auth.V2AuthStore;
import io.kvorum.server.v2auth.V2Role;
import io.kvorum.server.v2auth.V2User;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who a v2 request comes from and whether they may make it, as etcd 3.4's v2 {@code client_auth}:
 * with auth off, everyone may do everything; with it on, the user of the basic auth header (whose
 * password must match), or without that header and with {@code --client-cert-auth} the user named
 * by a certificate's common name, else the guest role (keys only). A key is allowed by a role's
 * read or write patterns (a recursive request only by a prefix pattern); the auth and membership
 * changes need the root role.
 *
 * <p>Threads: the checks read the v2 store and check bcrypt hashes (slow on purpose), so they run
 * on the request's blocking executor; {@link #key} answers at once when auth is off.
 */
final class V2Access {
    private final V2AuthStore store;
    private final boolean clientCertAuth;

    V2Access(V2AuthStore store, boolean clientCertAuth) {
        this.store = store;
        this.clientCertAuth = clientCertAuth;
    }

    V2AuthStore store() {
        return store;
    }

    /** etcd's {@code hasKeyPrefixAccess}, off the event loop when it must check a password. */
    CompletableFuture<Boolean> key(ServiceRequestContext ctx, String method, String key, boolean recursive) {
        if (!store.enabled()) {
            return CompletableFuture.completedFuture(true);
        }
        RequestHeaders headers = ctx.request().headers();
        SSLSession tls = ctx.sslSession();
        return CompletableFuture.supplyAsync(() -> keyAccess(method, headers, tls, key, recursive),
                ctx.blockingTaskExecutor());
    }

    private boolean keyAccess(String method, RequestHeaders headers, SSLSession tls, String key, boolean recursive) {
        boolean write = !method.equals("GET") && !method.equals("HEAD");
        Optional<V2User> user;
        if (authorization(headers).isEmpty()) {
            user = clientCertAuth ? certificateUser(tls) : Optional.empty();
            if (user.isEmpty()) {
                return role(V2Role.GUEST).map(guest -> guest.allows(key, write)).orElse(false);
            }
        } else {
            user = basicUser(headers);
        }
        if (user.isEmpty() || user.get().roles() == null) {
            return false;
        }
        for (String name : user.get().roles()) {
            Optional<V2Role> role = role(name);
            if (role.isPresent() && (recursive ? role.get().allowsBelow(key, write) : role.get().allows(key, write))) {
                return true;
            }
        }
        return false;
    }

    /** etcd's {@code hasWriteRootAccess}: reads are free, changes need root. Blocking. */
    boolean writeRoot(String method, RequestHeaders headers, SSLSession tls) {
        return method.equals("GET") || method.equals("HEAD") || root(headers, tls);
    }

    /** etcd's {@code hasRootAccess}: auth off, or a user with the root role. Blocking. */
    boolean root(RequestHeaders headers, SSLSession tls) {
        if (!store.enabled()) {
            return true;
        }
        Optional<V2User> user = authorization(headers).isEmpty() && clientCertAuth
                ? certificateUser(tls) : basicUser(headers);
        return user.map(u -> u.roles() != null && u.roles().contains(V2Role.ROOT)).orElse(false);
    }

    private Optional<V2Role> role(String name) {
        try {
            return Optional.of(store.role(name));
        } catch (V2AuthError missing) {
            return Optional.empty();
        }
    }

    private Optional<V2User> user(String name) {
        try {
            return Optional.of(store.user(name));
        } catch (V2AuthError missing) {
            return Optional.empty();
        }
    }

    private static Optional<String> authorization(RequestHeaders headers) {
        String value = headers.get(HttpHeaderNames.AUTHORIZATION);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    /** Go's {@code BasicAuth}, then the user and the password check. */
    private Optional<V2User> basicUser(RequestHeaders headers) {
        String value = authorization(headers).orElse("");
        String prefix = "Basic ";
        if (value.length() < prefix.length() || !value.substring(0, prefix.length()).equalsIgnoreCase(prefix)) {
            return Optional.empty();
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(value.substring(prefix.length())), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return Optional.empty();
        }
        String password = decoded.substring(colon + 1);
        return user(decoded.substring(0, colon)).filter(u -> store.checkPassword(u, password));
    }

    /** The first user named by a common name of the client's certificates, as etcd tries each. */
    private Optional<V2User> certificateUser(SSLSession tls) {
        if (tls == null) {
            return Optional.empty();
        }
        Certificate[] chain;
        try {
            chain = tls.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
        for (Certificate c : chain) {
            if (c instanceof X509Certificate x) {
                Optional<V2User> user = DistinguishedNames.commonName(x.getSubjectX500Principal().getName())
                        .flatMap(this::user);
                if (user.isPresent()) {
                    return user;
                }
            }
        }
        return Optional.empty();
    }
}
