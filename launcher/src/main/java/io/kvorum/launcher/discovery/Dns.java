package io.kvorum.launcher.discovery;

import java.net.InetAddress;
import java.util.List;

/** The two DNS questions SRV discovery asks; {@link JndiDns} asks a DNS server, tests answer themselves. */
interface Dns {

    /** One SRV record's target and port. */
    record Srv(String target, int port) {
    }

    /**
     * The SRV records of {@code name} (e.g. {@code _etcd-server._tcp.example.com}).
     *
     * @throws java.io.IOException when there are none or the lookup fails, with the reason
     */
    List<Srv> lookupSrv(String name) throws java.io.IOException;

    /**
     * The addresses of {@code host} (a name or a literal address).
     *
     * @throws java.io.IOException when it has none
     */
    List<InetAddress> resolve(String host) throws java.io.IOException;
}
