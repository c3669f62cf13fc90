package io.kvorum.tls;

import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies the other party's certificate chain against the current {@link TrustAnchors} (swapped
 * by {@link #update} when the CA bundle or the CRL changes), then against the CRL and the allowed
 * common names and host names, as etcd's {@code --peer-cert-allowed-cn} and
 * {@code --client-cert-allowed-hostname}. Both directions are checked alike, as etcd does.
 *
 * <p>Thread-safe: handshakes read {@link #anchors} (volatile); the watcher thread alone updates it.
 */
final class ReloadingTrustManager extends X509ExtendedTrustManager {
    private static final System.Logger LOG = System.getLogger(ReloadingTrustManager.class.getName());

    private final List<String> allowedCommonNames;
    private final List<String> allowedHostnames;
    private volatile TrustAnchors anchors;

    ReloadingTrustManager(TrustAnchors anchors, List<String> allowedCommonNames, List<String> allowedHostnames) {
        this.anchors = anchors;
        this.allowedCommonNames = List.copyOf(allowedCommonNames);
        this.allowedHostnames = allowedHostnames.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
    }

    void update(TrustAnchors next) {
        anchors = next;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        TrustAnchors a = anchors;
        try {
            a.pkix().checkClientTrusted(chain, authType, socket);
            checkRest(a, chain);
        } catch (CertificateException e) {
            throw rejected(chain, e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        TrustAnchors a = anchors;
        try {
            a.pkix().checkClientTrusted(chain, authType, engine);
            checkRest(a, chain);
        } catch (CertificateException e) {
            throw rejected(chain, e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        TrustAnchors a = anchors;
        try {
            a.pkix().checkClientTrusted(chain, authType);
            checkRest(a, chain);
        } catch (CertificateException e) {
            throw rejected(chain, e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        TrustAnchors a = anchors;
        try {
            a.pkix().checkServerTrusted(chain, authType, socket);
            checkRest(a, chain);
        } catch (CertificateException e) {
            throw rejected(chain, e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        TrustAnchors a = anchors;
        try {
            a.pkix().checkServerTrusted(chain, authType, engine);
            checkRest(a, chain);
        } catch (CertificateException e) {
            throw rejected(chain, e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        TrustAnchors a = anchors;
        try {
            a.pkix().checkServerTrusted(chain, authType);
            checkRest(a, chain);
        } catch (CertificateException e) {
            throw rejected(chain, e);
        }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return anchors.cas().toArray(X509Certificate[]::new);
    }

    /** etcd logs each rejected connection; so does this, with the certificate and the reason. */
    private static CertificateException rejected(X509Certificate[] chain, CertificateException e) {
        String subject = chain == null || chain.length == 0 ? "no certificate" : chain[0].getSubjectX500Principal().toString();
        LOG.log(Level.WARNING, "rejected a TLS certificate (" + subject + "): " + e.getMessage());
        return e;
    }

    private void checkRest(TrustAnchors a, X509Certificate[] chain) throws CertificateException {
        X509Certificate revoked = a.revoked(chain);
        if (revoked != null) {
            throw new CertificateException("certificate revoked: " + revoked.getSubjectX500Principal()
                    + " (serial " + revoked.getSerialNumber().toString(16) + ")");
        }
        X509Certificate leaf = chain[0];
        if (!allowedCommonNames.isEmpty() && allowedCommonNames.stream().noneMatch(cn -> cn.equals(commonName(leaf)))) {
            throw new CertificateException("common name " + commonName(leaf) + " of " + leaf.getSubjectX500Principal()
                    + " is not one of the allowed " + allowedCommonNames);
        }
        if (!allowedHostnames.isEmpty() && allowedHostnames.stream().noneMatch(h -> validFor(leaf, h))) {
            throw new CertificateException(leaf.getSubjectX500Principal() + " is not valid for any allowed host name "
                    + allowedHostnames);
        }
    }

    static String commonName(X509Certificate certificate) {
        try {
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            return "";
        }
        return "";
    }

    /** Go's {@code VerifyHostname}: an IP against IP SANs, a name against DNS SANs (one leading wildcard label). */
    static boolean validFor(X509Certificate certificate, String host) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return false;
        }
        if (names == null) {
            return false;
        }
        boolean ip = host.contains(":") || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
        for (List<?> name : names) {
            int type = (Integer) name.get(0);
            String value = String.valueOf(name.get(1)).toLowerCase(Locale.ROOT);
            if (ip && type == 7 && sameAddress(value, host)) {
                return true;
            }
            if (!ip && type == 2 && dnsMatches(value, host)) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameAddress(String a, String b) {
        try {
            return InetAddress.getByName(a).equals(InetAddress.getByName(b));
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static boolean dnsMatches(String pattern, String host) {
        if (pattern.startsWith("*.")) {
            int dot = host.indexOf('.');
            return dot > 0 && host.substring(dot).equals(pattern.substring(1));
        }
        return pattern.equals(host);
    }
}
