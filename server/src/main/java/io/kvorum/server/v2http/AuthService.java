package io.kvorum.server.v2http;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.kvorum.server.request.V2Requests;
import io.kvorum.server.v2.V2Error;
import io.kvorum.server.v2.V2Store;
import io.kvorum.server.v2auth.Permissions;
import io.kvorum.server.v2auth.V2AuthError;
import io.kvorum.server.v2auth.V2AuthJson;
import io.kvorum.server.v2auth.V2AuthStore;
import io.kvorum.server.v2auth.V2Role;
import io.kvorum.server.v2auth.V2User;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLSession;

/**
 * {@code /v2/auth}, as etcd 3.4's auth handler: {@code /v2/auth/enable} (GET, PUT to enable,
 * DELETE to disable), {@code /v2/auth/users[/<name>]} and {@code /v2/auth/roles[/<name>]} (GET
 * to list or read, PUT to create or to grant and revoke, DELETE), with etcd's statuses and
 * bodies. With auth on, all but reading the enabled flag need a user with the root role.
 *
 * <p>Every request is served on its blocking executor: it waits for the log and hashes passwords.
 */
final class AuthService {
    static final String PREFIX = "/v2/auth";
    private static final String INVALID_JSON = "Invalid JSON in request body.";

    private final V2Requests server;
    private final V2Access access;

    AuthService(V2Requests server, V2Access access) {
        this.server = server;
        this.access = access;
    }

    /** Whether {@code path} is one of etcd's auth routes; any other is left to "404 page not found". */
    static boolean serves(String path) {
        return path.equals(PREFIX + "/roles") || path.startsWith(PREFIX + "/roles/") || path.equals(PREFIX + "/users")
                || path.startsWith(PREFIX + "/users/") || path.equals(PREFIX + "/enable");
    }

    HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        String path = ctx.decodedPath();
        String method = req.method().name();
        RequestHeaders headers = req.headers();
        SSLSession tls = ctx.sslSession();
        CompletableFuture<HttpResponse> answer = FormBody.read(ctx, req).thenApplyAsync(body -> {
            String text = body.map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
            try {
                return route(path, method, headers, tls, text);
            } catch (V2AuthError e) {
                return message(HttpStatus.valueOf(e.status()), e.getMessage(), clusterId());
            } catch (V2Error e) {
                return KeysService.error(e, clusterId());
            } catch (RuntimeException e) {
                return message(HttpStatus.INTERNAL_SERVER_ERROR, "Internal Server Error", clusterId());
            }
        }, ctx.blockingTaskExecutor());
        return HttpResponse.of(answer);
    }

    private HttpResponse route(String path, String method, RequestHeaders headers, SSLSession tls, String body) {
        if (path.equals(PREFIX + "/enable")) {
            return enable(method, headers, tls);
        }
        // etcd's path.Clean of what follows /v2/auth, split: "", "users" or "roles", and a name
        String[] pieces = V2Store.clean(path.substring(PREFIX.length())).split("/", -1);
        boolean users = path.startsWith(PREFIX + "/users");
        if (pieces.length == 2) {
            return users ? allUsers(method, headers, tls) : allRoles(method, headers, tls);
        }
        if (pieces.length != 3) {
            return message(HttpStatus.BAD_REQUEST, "Invalid path", null);
        }
        if (!V2Http.allow(method, "GET", "PUT", "DELETE")) {
            return V2Http.methodNotAllowed("GET,PUT,DELETE");
        }
        if (!access.root(headers, tls)) {
            return noAuth();
        }
        return users ? user(method, pieces[2], body) : role(method, pieces[2], body);
    }

    private HttpResponse allUsers(String method, RequestHeaders headers, SSLSession tls) {
        if (!V2Http.allow(method, "GET")) {
            return V2Http.methodNotAllowed("GET");
        }
        if (!access.root(headers, tls)) {
            return noAuth();
        }
        V2AuthStore store = access.store();
        Map<String, List<V2Role>> users = new LinkedHashMap<>();
        for (String name : store.allUsers()) {
            V2User u = store.user(name);
            List<V2Role> roles = new ArrayList<>();
            for (String role : u.roles() == null ? List.<String>of() : u.roles()) {
                try {
                    roles.add(store.role(role));
                } catch (V2AuthError missing) {
                    // etcd lists a user's roles that still exist
                }
            }
            users.put(u.user(), roles);
        }
        return json(HttpStatus.OK, V2AuthJson.users(users));
    }

    private HttpResponse allRoles(String method, RequestHeaders headers, SSLSession tls) {
        if (!V2Http.allow(method, "GET")) {
            return V2Http.methodNotAllowed("GET");
        }
        if (!access.root(headers, tls)) {
            return noAuth();
        }
        V2AuthStore store = access.store();
        List<V2Role> roles = new ArrayList<>();
        for (String name : store.allRoles()) {
            roles.add(store.role(name));
        }
        return json(HttpStatus.OK, V2AuthJson.roles(roles));
    }

    private HttpResponse user(String method, String name, String body) {
        V2AuthStore store = access.store();
        switch (method) {
            case "GET" -> {
                V2User u = store.user(name);
                List<V2Role> roles = new ArrayList<>();
                for (String role : u.roles() == null ? List.<String>of() : u.roles()) {
                    roles.add(store.role(role));
                }
                return json(HttpStatus.OK, V2AuthJson.userWithRoles(u.user(), roles));
            }
            case "PUT" -> {
                Optional<V2User> parsed = V2AuthJson.parseUser(body);
                if (parsed.isEmpty()) {
                    return message(HttpStatus.BAD_REQUEST, INVALID_JSON, clusterId());
                }
                V2User in = parsed.get();
                if (!in.user().equals(name)) {
                    return message(HttpStatus.BAD_REQUEST, "User JSON name does not match the name in the URL",
                            clusterId());
                }
                boolean changes = (in.grant() != null && !in.grant().isEmpty())
                        || (in.revoke() != null && !in.revoke().isEmpty());
                V2User out;
                boolean created = false;
                if (!changes) {
                    if (in.roles() != null && !in.roles().isEmpty()) {
                        out = store.createUser(in);
                    } else {
                        V2AuthStore.Created<V2User> done = store.createOrUpdateUser(in);
                        out = done.value();
                        created = done.created();
                    }
                } else {
                    if (in.roles() != null && !in.roles().isEmpty()) {
                        return message(HttpStatus.BAD_REQUEST, "User JSON contains both roles and grant/revoke",
                                clusterId());
                    }
                    out = store.updateUser(in);
                }
                return json(created ? HttpStatus.CREATED : HttpStatus.OK, V2AuthJson.user(out.withoutPassword()));
            }
            default -> {
                store.deleteUser(name);
                return empty();
            }
        }
    }

    private HttpResponse role(String method, String name, String body) {
        V2AuthStore store = access.store();
        switch (method) {
            case "GET" -> {
                return json(HttpStatus.OK, V2AuthJson.role(store.role(name)));
            }
            case "PUT" -> {
                Optional<V2Role> parsed = V2AuthJson.parseRole(body);
                if (parsed.isEmpty()) {
                    return message(HttpStatus.BAD_REQUEST, INVALID_JSON, clusterId());
                }
                V2Role in = parsed.get();
                if (!in.role().equals(name)) {
                    return message(HttpStatus.BAD_REQUEST, "Role JSON name does not match the name in the URL",
                            clusterId());
                }
                if (isEmpty(in.grant()) && isEmpty(in.revoke())) {
                    store.createRole(in);
                    return json(HttpStatus.CREATED, V2AuthJson.role(in));
                }
                if (!isEmpty(in.permissions())) {
                    return message(HttpStatus.BAD_REQUEST, "Role JSON contains both permissions and grant/revoke",
                            clusterId());
                }
                return json(HttpStatus.OK, V2AuthJson.role(store.updateRole(in)));
            }
            default -> {
                store.deleteRole(name);
                return empty();
            }
        }
    }

    private HttpResponse enable(String method, RequestHeaders headers, SSLSession tls) {
        if (!V2Http.allow(method, "GET", "PUT", "DELETE")) {
            return V2Http.methodNotAllowed("GET,PUT,DELETE");
        }
        if (!access.writeRoot(method, headers, tls)) {
            return noAuth();
        }
        V2AuthStore store = access.store();
        boolean enabled = store.enabled();
        switch (method) {
            case "GET" -> {
                return json(HttpStatus.OK, "{\"enabled\":" + enabled + "}");
            }
            case "PUT" -> store.enable();
            default -> store.disable();
        }
        return empty();
    }

    private static boolean isEmpty(Permissions p) {
        return p == null || p.isEmpty();
    }

    private String clusterId() {
        return V2Http.clusterId(server.status());
    }

    /** A JSON document as Go's encoder writes it, with a newline. */
    private HttpResponse json(HttpStatus status, String document) {
        return HttpResponse.of(V2Http.json(status, clusterId()).build(), HttpData.ofUtf8(document + "\n"));
    }

    /** A change answered with the headers only, as etcd's handler that writes nothing. */
    private HttpResponse empty() {
        return HttpResponse.of(V2Http.json(HttpStatus.OK, clusterId()).build());
    }

    /** etcd's {@code writeNoAuth}: 401 "Insufficient credentials", before any header is set. */
    static HttpResponse noAuth() {
        return message(HttpStatus.UNAUTHORIZED, "Insufficient credentials", null);
    }

    /** etcd's {@code httptypes.HTTPError}; with the cluster id when the handler had set it. */
    static HttpResponse message(HttpStatus status, String message, String clusterId) {
        ResponseHeaders headers = clusterId == null
                ? ResponseHeaders.builder(status).contentType(MediaType.JSON).build()
                : V2Http.json(status, clusterId).build();
        return HttpResponse.of(headers, HttpData.ofUtf8(V2AuthJson.message(message)));
    }
}
