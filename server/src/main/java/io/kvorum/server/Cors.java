package io.kvorum.server;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.common.HttpRequest;
import java.util.Set;

/**
 * etcd's {@code --cors} on the client port's HTTP answers (not on gRPC): a request from an allowed
 * origin, or any request when every origin is allowed ({@code *}, etcd's default), gets etcd's
 * three {@code Access-Control-Allow-*} headers, and an {@code OPTIONS} request is answered 200 at
 * once, as etcd's access controller does.
 */
final class Cors {
    private final boolean anyOrigin;
    private final Set<String> origins;

    Cors(Set<String> origins) {
        this.anyOrigin = origins.isEmpty() || origins.contains("*");
        this.origins = Set.copyOf(origins);
    }

    HttpService wrap(HttpService service) {
        // a decorator, so that the server still sees the websocket service underneath (as(...))
        return new SimpleDecoratingHttpService(service) {
            @Override
            public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
                String origin = anyOrigin ? "*" : req.headers().get("origin");
                if (origin != null && (anyOrigin || origins.contains(origin))) {
                    String allowed = origin;
                    ctx.mutateAdditionalResponseHeaders(headers -> headers
                            .add("access-control-allow-methods", "POST, GET, OPTIONS, PUT, DELETE")
                            .add("access-control-allow-origin", allowed)
                            .add("access-control-allow-headers", "accept, content-type, authorization"));
                }
                if (req.method() == HttpMethod.OPTIONS) {
                    return HttpResponse.of(HttpStatus.OK);
                }
                return service.serve(ctx, req);
            }
        };
    }
}
