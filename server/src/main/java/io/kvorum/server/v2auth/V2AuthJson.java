package io.kvorum.server.v2auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvorum.server.v2.GoJson;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Users and roles as JSON, as Go's {@code encoding/json} writes and reads etcd's structs: fields
 * in struct order, {@code omitempty} ones left out, a nil slice as {@code null}; when reading,
 * field names match whatever their case, unknown fields are passed over, only the first value
 * counts, and a value of the wrong type fails the whole document.
 */
public final class V2AuthJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private V2AuthJson() {
    }

    /** A user as stored, and as answered (without the password). */
    public static String user(V2User u) {
        StringBuilder out = new StringBuilder("{\"user\":");
        string(out, u.user());
        if (!u.password().isEmpty()) {
            string(out.append(",\"password\":"), u.password());
        }
        strings(out.append(",\"roles\":"), u.roles());
        if (u.grant() != null && !u.grant().isEmpty()) {
            strings(out.append(",\"grant\":"), u.grant());
        }
        if (u.revoke() != null && !u.revoke().isEmpty()) {
            strings(out.append(",\"revoke\":"), u.revoke());
        }
        return out.append('}').toString();
    }

    /** A role as stored and answered. */
    public static String role(V2Role r) {
        StringBuilder out = new StringBuilder();
        role(out, r);
        return out.toString();
    }

    static void role(StringBuilder out, V2Role r) {
        string(out.append("{\"role\":"), r.role());
        permissions(out.append(",\"permissions\":"), r.permissions());
        if (r.grant() != null) {
            permissions(out.append(",\"grant\":"), r.grant());
        }
        if (r.revoke() != null) {
            permissions(out.append(",\"revoke\":"), r.revoke());
        }
        out.append('}');
    }

    /** etcd's {@code userWithRoles}: the name, and the user's roles in full ({@code omitempty}). */
    public static String userWithRoles(String user, List<V2Role> roles) {
        StringBuilder out = new StringBuilder();
        userWithRoles(out, user, roles);
        return out.toString();
    }

    static void userWithRoles(StringBuilder out, String user, List<V2Role> roles) {
        string(out.append("{\"user\":"), user);
        if (!roles.isEmpty()) {
            out.append(",\"roles\":[");
            for (int i = 0; i < roles.size(); i++) {
                role(out.append(i == 0 ? "" : ","), roles.get(i));
            }
            out.append(']');
        }
        out.append('}');
    }

    /** {@code {"users":[...]}}, {@code null} for none, as etcd lists them. */
    public static String users(Map<String, List<V2Role>> usersWithRoles) {
        StringBuilder out = new StringBuilder("{\"users\":");
        if (usersWithRoles.isEmpty()) {
            return out.append("null}").toString();
        }
        out.append('[');
        boolean first = true;
        for (Map.Entry<String, List<V2Role>> e : usersWithRoles.entrySet()) {
            userWithRoles(out.append(first ? "" : ","), e.getKey(), e.getValue());
            first = false;
        }
        return out.append("]}").toString();
    }

    /** {@code {"roles":[...]}}, {@code null} for none. */
    public static String roles(List<V2Role> roles) {
        StringBuilder out = new StringBuilder("{\"roles\":");
        if (roles.isEmpty()) {
            return out.append("null}").toString();
        }
        out.append('[');
        for (int i = 0; i < roles.size(); i++) {
            role(out.append(i == 0 ? "" : ","), roles.get(i));
        }
        return out.append("]}").toString();
    }

    /** etcd's {@code httptypes.HTTPError}: {@code {"message":...}}. */
    public static String message(String message) {
        StringBuilder out = new StringBuilder("{\"message\":");
        string(out, message);
        return out.append('}').toString();
    }

    /** A user document; empty when it is not one (etcd's "Invalid JSON in request body."). */
    public static Optional<V2User> parseUser(String json) {
        try {
            JsonNode n = object(json);
            return Optional.of(new V2User(text(n, "user"), text(n, "password"), strings(n, "roles"),
                    strings(n, "grant"), strings(n, "revoke")));
        } catch (Malformed e) {
            return Optional.empty();
        }
    }

    /** A role document; empty when it is not one. */
    public static Optional<V2Role> parseRole(String json) {
        try {
            JsonNode n = object(json);
            Permissions p = permissions(field(n, "permissions"));
            return Optional.of(new V2Role(text(n, "role"), p == null ? Permissions.NONE : p,
                    permissions(field(n, "grant")), permissions(field(n, "revoke"))));
        } catch (Malformed e) {
            return Optional.empty();
        }
    }

    /** Go's {@code json.Unmarshal} of a boolean; false for anything else, as etcd's detectAuth. */
    static boolean parseBool(String json) {
        try {
            JsonNode n = MAPPER.readTree(json);
            return n != null && n.isBoolean() && n.booleanValue();
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    /** Thrown inside the parser for a document Go's decoder refuses. */
    private static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed() {
            super(null, null, false, false);
        }
    }

    private static JsonNode object(String json) throws Malformed {
        JsonNode n;
        try (var parser = MAPPER.createParser(json)) {
            n = MAPPER.readTree(parser);
        } catch (java.io.IOException e) {
            throw new Malformed();
        }
        if (n == null || !(n.isObject() || n.isNull())) {
            throw new Malformed();
        }
        return n;
    }

    /** The field named {@code name} whatever its case (an exact match first), or null. */
    private static JsonNode field(JsonNode n, String name) {
        if (n == null || !n.isObject()) {
            return null;
        }
        JsonNode exact = n.get(name);
        if (exact != null) {
            return exact;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static String text(JsonNode n, String name) throws Malformed {
        JsonNode v = field(n, name);
        if (v == null || v.isNull()) {
            return "";
        }
        if (!v.isTextual()) {
            throw new Malformed();
        }
        return v.textValue();
    }

    private static List<String> strings(JsonNode n, String name) throws Malformed {
        JsonNode v = field(n, name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            throw new Malformed();
        }
        List<String> out = new ArrayList<>(v.size());
        for (JsonNode e : v) {
            if (e.isNull()) {
                out.add("");
            } else if (e.isTextual()) {
                out.add(e.textValue());
            } else {
                throw new Malformed();
            }
        }
        return List.copyOf(out);
    }

    /** A {@code {"kv":{"read":[..],"write":[..]}}} object; null for none. */
    private static Permissions permissions(JsonNode n) throws Malformed {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw new Malformed();
        }
        JsonNode kv = field(n, "kv");
        if (kv != null && !kv.isNull() && !kv.isObject()) {
            throw new Malformed();
        }
        return new Permissions(strings(kv, "read"), strings(kv, "write"));
    }

    private static void permissions(StringBuilder out, Permissions p) {
        strings(out.append("{\"kv\":{\"read\":"), p.read());
        strings(out.append(",\"write\":"), p.write());
        out.append("}}");
    }

    private static void strings(StringBuilder out, List<String> list) {
        if (list == null) {
            out.append("null");
            return;
        }
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
            string(out.append(i == 0 ? "" : ","), list.get(i));
        }
        out.append(']');
    }

    private static void string(StringBuilder out, String s) {
        GoJson.string(out, s);
    }
}
