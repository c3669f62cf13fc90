package io.kvorum.server;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.common.HttpRequest;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's {@code --host-whitelist} on the client port's HTTP answers (not on gRPC): a request over
 * a connection without TLS whose {@code Host} names a host not in the list is refused with 421
 * and etcd's explanation, against DNS rebinding (CVE-2018-5702). {@code *} (etcd's default) or
 * no entry at all allows every host; TLS connections are never checked, as in etcd.
 */
final class HostWhitelist {
    private static final Logger LOG = LoggerFactory.getLogger(HostWhitelist.class);

    private final boolean anyHost;
    private final Set<String> hosts;

    /** {@code hosts} as etcd keeps them: the flag's value split at commas, nothing trimmed. */
    HostWhitelist(Set<String> hosts) {
        this.anyHost = hosts.isEmpty() || hosts.contains("*");
        this.hosts = Set.copyOf(hosts);
    }

    HttpService wrap(HttpService service) {
        if (anyHost) {
            return service;
        }
        // a decorator, so that the server still sees the websocket service underneath (as(...))
        return new SimpleDecoratingHttpService(service) {
            @Override
            public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
                if (!ctx.sessionProtocol().isTls()) {
                    String host = hostname(req.authority());
                    if (!hosts.contains(host)) {
                        LOG.atWarn().setMessage("rejecting HTTP request to prevent DNS rebinding attacks")
                                .addKeyValue("host", host).log();
                        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.MISDIRECTED_REQUEST)
                                .contentType(MediaType.PLAIN_TEXT_UTF_8)
                                .add("x-content-type-options", "nosniff")
                                .build(), com.linecorp.armeria.common.HttpData.ofUtf8(refusal(host)));
                    }
                }
                return service.serve(ctx, req);
            }
        };
    }

    /** The host of a {@code Host} header as Go's {@code net.SplitHostPort} finds it; the whole header without a port. */
    static String hostname(String authority) {
        if (authority == null) {
            return "";
        }
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close > 0 && authority.startsWith(":", close + 1)) {
                return authority.substring(1, close);
            }
            return authority;
        }
        int colon = authority.indexOf(':');
        // a host:port has one colon; more (a bare IPv6 address) is not a host:port to Go either
        if (colon < 0 || authority.indexOf(':', colon + 1) >= 0) {
            return authority;
        }
        return authority.substring(0, colon);
    }

    /** etcd's body for the refusal, with the newline Go's {@code http.Error} adds. */
    static String refusal(String host) {
        return "\netcd received your request, but the Host header was unrecognized.\n\n"
                + "To fix this, choose one of the following options:\n"
                + "- Enable TLS, then any HTTPS request will be allowed.\n"
                + "- Add the hostname you want to use to the whitelist in settings.\n"
                + "  - e.g. etcd --host-whitelist " + goQuoted(host) + "\n\n"
                + "This requirement has been added to help prevent \"DNS Rebinding\" attacks (CVE-2018-5702).\n\n";
    }

    /** Go's {@code %q} for the plain hosts a header carries: quotes, with {@code "} and {@code \} escaped. */
    private static String goQuoted(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.append('"').toString();
    }
}
