package io.kvorum.launcher.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

/**
 * DNS through the JDK's own resolver, the JNDI {@code dns:} provider (module {@code jdk.naming.dns}).
 * It asks the servers of the system's {@code resolv.conf}, unless {@value #SERVER_VARIABLE} names one
 * ({@code host} or {@code host:port}, e.g. {@code 127.0.0.1:5353}). Host names are resolved by the
 * JVM as every other connection's are ({@code /etc/hosts}, then DNS); with {@value #SERVER_VARIABLE}
 * set, that server's A and AAAA records come first.
 */
final class JndiDns implements Dns {
    /** The environment variable naming the DNS server to ask. */
    static final String SERVER_VARIABLE = "KVORUM_DNS_SERVER";

    private final Optional<String> server;

    private JndiDns(Optional<String> server) {
        this.server = server;
    }

    /** The resolver the environment asks for: {@value #SERVER_VARIABLE}, or the system's. */
    static JndiDns fromEnvironment(Map<String, String> environment) {
        return new JndiDns(Optional.ofNullable(environment.get(SERVER_VARIABLE)).map(String::trim)
                .filter(s -> !s.isEmpty()));
    }

    @Override
    public List<Srv> lookupSrv(String name) throws IOException {
        record Ranked(int priority, int weight, Srv srv) {
        }
        List<Ranked> ranked = new ArrayList<>();
        for (String value : records(name, "SRV")) {
            // priority weight port target
            String[] fields = value.trim().split("\\s+");
            if (fields.length != 4) {
                throw new IOException("lookup " + name + ": malformed SRV record \"" + value + "\"");
            }
            try {
                ranked.add(new Ranked(Integer.parseInt(fields[0]), Integer.parseInt(fields[1]),
                        new Srv(fields[3], Integer.parseInt(fields[2]))));
            } catch (NumberFormatException e) {
                throw new IOException("lookup " + name + ": malformed SRV record \"" + value + "\"", e);
            }
        }
        if (ranked.isEmpty()) {
            throw new IOException("lookup " + name + " on " + serverName() + ": no such host");
        }
        ranked.sort(Comparator.comparingInt(Ranked::priority).thenComparing(Ranked::weight, Comparator.reverseOrder()));
        return ranked.stream().map(Ranked::srv).toList();
    }

    @Override
    public List<InetAddress> resolve(String host) throws IOException {
        List<InetAddress> addresses = new ArrayList<>();
        if (server.isPresent() && !looksLikeAddress(host)) {
            for (String type : List.of("A", "AAAA")) {
                for (String value : records(host, type)) {
                    addresses.add(InetAddress.getByAddress(host, InetAddress.getByName(value.trim()).getAddress()));
                }
            }
        }
        if (addresses.isEmpty()) {
            try {
                addresses.addAll(List.of(InetAddress.getAllByName(host)));
            } catch (UnknownHostException e) {
                throw new IOException("lookup " + host + " on " + serverName() + ": no such host", e);
            }
        }
        return addresses;
    }

    private static boolean looksLikeAddress(String host) {
        return host.contains(":") || host.matches("[0-9.]+");
    }

    /** The values of {@code name}'s records of {@code type}; none when the name or the type is unknown. */
    private List<String> records(String name, String type) throws IOException {
        Hashtable<String, String> env = new Hashtable<>();
        env.put(DirContext.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
        env.put(DirContext.PROVIDER_URL, "dns://" + server.orElse("") + "/");
        DirContext context = null;
        try {
            context = new InitialDirContext(env);
            Attributes attributes = context.getAttributes(name.endsWith(".") ? name : name + ".", new String[] {type});
            Attribute attribute = attributes.get(type);
            List<String> values = new ArrayList<>();
            if (attribute != null) {
                NamingEnumeration<?> all = attribute.getAll();
                while (all.hasMore()) {
                    values.add(String.valueOf(all.next()));
                }
            }
            return values;
        } catch (NameNotFoundException e) {
            return List.of();
        } catch (NamingException e) {
            throw new IOException("lookup " + name + " on " + serverName() + ": " + e.getMessage(), e);
        } finally {
            if (context != null) {
                try {
                    context.close();
                } catch (NamingException e) {
                    // nothing held open is left to release
                }
            }
        }
    }

    private String serverName() {
        return server.orElse("the system's DNS servers");
    }
}
