package io.kvorum.launcher.discovery;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The initial cluster from DNS SRV records, as etcd's {@code pkg/srv} and
 * {@code embed.Config.GetDNSClusterNames} build it: {@code _etcd-server-ssl._tcp.<domain>} gives
 * https peers, {@code _etcd-server._tcp.<domain>} http ones ({@code -<name>} appended to the service
 * with {@code --discovery-srv-name}). A target whose address and port are those of one of this
 * member's {@code --initial-advertise-peer-urls} is this member and gets its name; the others are
 * named {@code 0}, {@code 1}, … in the order found.
 *
 * <p>etcd 3.4.23 keeps only the https records (it drops the http ones when their lookup succeeds);
 * kvorum combines both, as etcd's documentation describes and etcd 3.5 does, and fails only when
 * neither lookup finds a peer; the other members are numbered across both lookups (etcd 3.5
 * numbers each from 0, so an https and an http peer may share a name there).
 */
final class SrvCluster {
    private static final Logger LOG = LoggerFactory.getLogger(SrvCluster.class);

    private final Dns dns;

    SrvCluster(Dns dns) {
        this.dns = dns;
    }

    /**
     * The members found, {@code name=scheme://host:port} each, https ones first.
     *
     * @param domain      {@code --discovery-srv}
     * @param serviceName {@code --discovery-srv-name}, empty for none
     * @param name        this member's {@code --name}
     * @param peerUrls    this member's {@code --initial-advertise-peer-urls}
     * @throws DiscoveryException with etcd's message when neither lookup finds a member
     */
    List<String> clusterNames(String domain, String serviceName, String name, List<URI> peerUrls)
            throws DiscoveryException {
        String suffix = serviceName.isEmpty() ? "" : "-" + serviceName;
        Map<InetSocketAddress, URI> advertised = new HashMap<>();
        for (URI url : peerUrls) {
            try {
                advertised.put(address(url.getHost(), url.getPort()), url);
            } catch (IOException e) {
                throw new DiscoveryException(DiscoveryException.Reason.SRV, e.getMessage(), e);
            }
        }
        // the other members' names are numbered across both lookups, so an https and an http peer never share one
        int[] nextName = {0};
        List<String> found = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (String[] service : List.of(new String[] {"https", "etcd-server-ssl" + suffix},
                new String[] {"http", "etcd-server" + suffix})) {
            try {
                List<String> members = lookup(service[0], service[1], name, domain, advertised, nextName);
                found.addAll(members);
                LOG.atInfo().setMessage("get cluster for " + service[1] + " SRV")
                        .addKeyValue("service-scheme", service[0]).addKeyValue("service-name", service[1])
                        .addKeyValue("server-name", name).addKeyValue("discovery-srv", domain)
                        .addKeyValue("found-cluster", members).log();
            } catch (IOException e) {
                errors.add(e.getMessage());
                LOG.atInfo().setMessage("get cluster for " + service[1] + " SRV")
                        .addKeyValue("service-scheme", service[0]).addKeyValue("service-name", service[1])
                        .addKeyValue("server-name", name).addKeyValue("discovery-srv", domain)
                        .addKeyValue("error", e.getMessage()).log();
            }
        }
        if (found.isEmpty()) {
            throw new DiscoveryException(DiscoveryException.Reason.SRV, String.join("; ", errors), null);
        }
        return found;
    }

    /** etcd's {@code srv.GetCluster} for one service. */
    private List<String> lookup(String scheme, String service, String name, String domain,
                                Map<InetSocketAddress, URI> advertised, int[] nextName) throws IOException {
        List<Dns.Srv> records;
        try {
            records = dns.lookupSrv("_" + service + "._tcp." + domain);
        } catch (IOException e) {
            throw new IOException("error querying DNS SRV records for _" + service + " " + e.getMessage(), e);
        }
        List<String> members = new ArrayList<>();
        Optional<String> lastError = Optional.empty();
        for (Dns.Srv srv : records) {
            String host = srv.target().endsWith(".") ? srv.target().substring(0, srv.target().length() - 1) : srv.target();
            InetSocketAddress address;
            try {
                address = address(host, srv.port());
            } catch (IOException e) {
                lastError = Optional.of(e.getMessage());
                continue;
            }
            URI self = advertised.get(address);
            String member = self != null ? name : Integer.toString(nextName[0]++);
            String url = scheme + "://" + hostPort(host, srv.port());
            if (self != null && !self.getScheme().equals(scheme)) {
                lastError = Optional.of("bootstrap at " + url + " from DNS for " + service
                        + " has scheme mismatch with expected peer " + self);
            } else {
                members.add(member + "=" + url);
            }
        }
        if (members.isEmpty()) {
            throw new IOException("error querying DNS SRV records for _" + service + " "
                    + lastError.orElse("no SRV records"));
        }
        return members;
    }

    /** The address a host and port resolve to, an IPv4 one first, as Go's {@code net.ResolveTCPAddr}. */
    private InetSocketAddress address(String host, int port) throws IOException {
        List<InetAddress> addresses = dns.resolve(host);
        InetAddress chosen = addresses.stream().filter(a -> a instanceof Inet4Address).findFirst()
                .orElse(addresses.get(0));
        return new InetSocketAddress(chosen, port);
    }

    private static String hostPort(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
