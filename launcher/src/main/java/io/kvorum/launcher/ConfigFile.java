package io.kvorum.launcher;

import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * etcd's {@code --config-file}: a YAML file whose keys are the flags' names, read as etcd reads it.
 *
 * <p>etcd converts the YAML to JSON (YAML 1.1 rules: {@code yes}, {@code on}, {@code off} are
 * booleans, {@code ~} and an empty value are null) and decodes the JSON onto its configuration:
 * <ul>
 * <li>a key etcd does not know is ignored (the decoding is not strict), and so is a null value,
 *     which leaves the default;</li>
 * <li>a string key takes any scalar (a plain {@code off} becomes {@code "false"}, as in etcd,
 *     which is why etcd's sample quotes {@code proxy: 'off'});</li>
 * <li>a boolean key takes only a boolean, a number key only an integer, and a duration key an
 *     integer of nanoseconds (Go's {@code time.Duration} in JSON); anything else is an error;</li>
 * <li>TLS settings sit in the {@code client-transport-security:} and {@code peer-transport-security:}
 *     blocks; {@code cipher-suites} is a list.</li>
 * </ul>
 * The result is each flag's value written as on the command line, so that the flags' own parsers
 * check it.
 */
final class ConfigFile {

    /** How a key's value is decoded: the Go type of etcd's field. */
    private enum Type { STRING, BOOL, INT, DURATION, LIST }

    /** A flag's value as read from the file, and the key it came from (for messages). */
    record Value(String text, String key) {
    }

    private static final Set<Flag> INTEGERS = Set.of(
            Flag.SNAPSHOT_COUNT, Flag.MAX_SNAPSHOTS, Flag.MAX_WALS, Flag.HEARTBEAT_INTERVAL, Flag.ELECTION_TIMEOUT,
            Flag.BACKEND_BATCH_LIMIT, Flag.QUOTA_BACKEND_BYTES, Flag.MAX_TXN_OPS, Flag.MAX_REQUEST_BYTES,
            Flag.MAX_CONCURRENT_STREAMS, Flag.AUTH_TOKEN_TTL, Flag.BCRYPT_COST,
            Flag.EXPERIMENTAL_COMPACTION_BATCH_LIMIT, Flag.SELF_SIGNED_CERT_VALIDITY,
            Flag.PROXY_FAILURE_WAIT, Flag.PROXY_REFRESH_INTERVAL, Flag.PROXY_DIAL_TIMEOUT,
            Flag.PROXY_WRITE_TIMEOUT, Flag.PROXY_READ_TIMEOUT,
            Flag.EXPERIMENTAL_BOOTSTRAP_DEFRAG_THRESHOLD_MEGABYTES, Flag.EXPERIMENTAL_MAX_LEARNERS,
            Flag.EXPERIMENTAL_SNAPSHOT_CATCHUP_ENTRIES, Flag.EXPERIMENTAL_DISTRIBUTED_TRACING_SAMPLING_RATE);

    private static final Set<Flag> DURATIONS = Set.of(
            Flag.BACKEND_BATCH_INTERVAL, Flag.GRPC_KEEPALIVE_MIN_TIME, Flag.GRPC_KEEPALIVE_INTERVAL,
            Flag.GRPC_KEEPALIVE_TIMEOUT, Flag.EXPERIMENTAL_CORRUPT_CHECK_TIME,
            Flag.EXPERIMENTAL_WATCH_PROGRESS_NOTIFY_INTERVAL, Flag.EXPERIMENTAL_WARNING_APPLY_DURATION,
            Flag.EXPERIMENTAL_COMPACT_HASH_CHECK_TIME, Flag.EXPERIMENTAL_DOWNGRADE_CHECK_TIME);

    /** Lists: etcd's cipher suites and log outputs, and kvorum's repeatable plugin flags (which also take one string). */
    private static final Set<Flag> LISTS = Set.of(Flag.CIPHER_SUITES, Flag.LOG_OUTPUTS);

    /**
     * Flags etcd reads only from the command line (or, for TLS, from the blocks below), so their
     * names are not keys of the file.
     */
    private static final Set<Flag> NOT_TOP_LEVEL_KEYS = Set.of(
            Flag.HELP, Flag.VERSION, Flag.CONFIG_FILE,
            Flag.CERT_FILE, Flag.KEY_FILE, Flag.CLIENT_CERT_AUTH, Flag.TRUSTED_CA_FILE, Flag.AUTO_TLS,
            Flag.PEER_CERT_FILE, Flag.PEER_KEY_FILE, Flag.PEER_CLIENT_CERT_AUTH, Flag.PEER_TRUSTED_CA_FILE,
            Flag.PEER_AUTO_TLS, Flag.PEER_CERT_ALLOWED_CN, Flag.PEER_CERT_ALLOWED_HOSTNAME,
            Flag.CLIENT_CRL_FILE, Flag.PEER_CRL_FILE, Flag.CLIENT_CERT_ALLOWED_HOSTNAME,
            Flag.EXPERIMENTAL_PEER_SKIP_CLIENT_SAN_VERIFICATION,
            Flag.SOCKET_REUSE_PORT, Flag.SOCKET_REUSE_ADDRESS);

    /** Keys whose name is not the flag's. */
    private static final Map<String, Flag> RENAMED_KEYS = Map.of(
            "experimental-snapshot-catch-up-entries", Flag.EXPERIMENTAL_SNAPSHOT_CATCHUP_ENTRIES);

    private static final Map<String, Flag> CLIENT_SECURITY = Map.of(
            "cert-file", Flag.CERT_FILE, "key-file", Flag.KEY_FILE, "client-cert-auth", Flag.CLIENT_CERT_AUTH,
            "trusted-ca-file", Flag.TRUSTED_CA_FILE, "auto-tls", Flag.AUTO_TLS);

    private static final Map<String, Flag> PEER_SECURITY = Map.of(
            "cert-file", Flag.PEER_CERT_FILE, "key-file", Flag.PEER_KEY_FILE,
            "client-cert-auth", Flag.PEER_CLIENT_CERT_AUTH, "trusted-ca-file", Flag.PEER_TRUSTED_CA_FILE,
            "auto-tls", Flag.PEER_AUTO_TLS, "allowed-cn", Flag.PEER_CERT_ALLOWED_CN,
            "allowed-hostname", Flag.PEER_CERT_ALLOWED_HOSTNAME);

    private static final Map<String, Flag> SOCKET_OPTIONS = Map.of(
            "reuse-port", Flag.SOCKET_REUSE_PORT, "reuse-address", Flag.SOCKET_REUSE_ADDRESS);

    private static final Map<String, Map<String, Flag>> BLOCKS = Map.of(
            "client-transport-security", CLIENT_SECURITY,
            "peer-transport-security", PEER_SECURITY,
            "socket-options", SOCKET_OPTIONS);

    // YAML 1.1's plain scalars, as go-yaml v2 (under sigs.k8s.io/yaml) resolves them.
    private static final Set<String> NULLS = Set.of("", "~", "null", "Null", "NULL");
    private static final Set<String> TRUES = Set.of("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
            "on", "On", "ON");
    private static final Set<String> FALSES = Set.of("n", "N", "no", "No", "NO", "false", "False", "FALSE",
            "off", "Off", "OFF");
    private static final Pattern INTEGER = Pattern.compile(
            "[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*)");
    private static final Pattern FLOAT = Pattern.compile(
            "[-+]?(\\.[0-9]+|[0-9][0-9_]*(\\.[0-9_]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");

    private ConfigFile() {
    }

    /** Every flag the file sets, with its value as the command line would write it. */
    static Map<Flag, Value> read(Path file) throws UsageException {
        Optional<Node> root;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            LoadSettings settings = LoadSettings.builder().setLabel(file.toString()).setAllowDuplicateKeys(true)
                    .build();
            root = new Composer(settings, new ParserImpl(settings, new StreamReader(settings, in))).getSingleNode();
        } catch (IOException e) {
            throw new UsageException("cannot read config file " + file + ": " + e.getMessage());
        } catch (YamlEngineException e) {
            throw new UsageException("error converting YAML to JSON: " + e.getMessage().replace('\n', ' '));
        }
        Map<Flag, Value> values = new EnumMap<>(Flag.class);
        if (root.isEmpty() || isNull(root.get())) {
            return values;
        }
        for (Map.Entry<String, Node> entry : mapping(root.get(), "the file").entrySet()) {
            String key = entry.getKey();
            Map<String, Flag> block = BLOCKS.get(key);
            if (block != null) {
                if (!isNull(entry.getValue())) {
                    for (Map.Entry<String, Node> inner : mapping(entry.getValue(), key).entrySet()) {
                        Flag flag = block.get(inner.getKey());
                        if (flag != null) {
                            decode(flag, key + "." + inner.getKey(), inner.getValue())
                                    .ifPresent(v -> values.put(flag, v));
                        }
                    }
                }
                continue;
            }
            Optional<Flag> flag = topLevel(key);
            if (flag.isPresent()) {
                decode(flag.get(), key, entry.getValue()).ifPresent(v -> values.put(flag.get(), v));
            }
        }
        return values;
    }

    /** The flag a top-level key sets; none for keys etcd ignores. */
    static Optional<Flag> topLevel(String key) {
        Flag renamed = RENAMED_KEYS.get(key);
        if (renamed != null) {
            return Optional.of(renamed);
        }
        if (key.equals(Flag.EXPERIMENTAL_SNAPSHOT_CATCHUP_ENTRIES.flagName())) {
            return Optional.empty();
        }
        return Flag.named(key).filter(f -> f.flagName().equals(key) && !NOT_TOP_LEVEL_KEYS.contains(f));
    }

    private static Type type(Flag flag) {
        if (flag.kind() == Flag.Kind.SWITCH) {
            return Type.BOOL;
        }
        if (INTEGERS.contains(flag)) {
            return Type.INT;
        }
        if (DURATIONS.contains(flag)) {
            return Type.DURATION;
        }
        if (LISTS.contains(flag) || flag.kind() == Flag.Kind.REPEATABLE) {
            return Type.LIST;
        }
        return Type.STRING;
    }

    /** The value as a flag's text; empty for null, which leaves the default. */
    private static Optional<Value> decode(Flag flag, String key, Node node) throws UsageException {
        if (isNull(node)) {
            return Optional.empty();
        }
        Type type = type(flag);
        if (node instanceof SequenceNode sequence) {
            if (type != Type.LIST) {
                throw cannotDecode("array", key, type);
            }
            List<String> items = new ArrayList<>();
            for (Node item : sequence.getValue()) {
                if (!(item instanceof ScalarNode scalar)) {
                    throw cannotDecode("object", key, Type.STRING);
                }
                items.add(scalar.getValue());
            }
            return Optional.of(new Value(String.join(",", items), key));
        }
        if (!(node instanceof ScalarNode scalar)) {
            throw cannotDecode("object", key, type);
        }
        String text = scalar.getValue();
        String resolved = scalar.isPlain() ? resolve(text) : "string";
        String value = switch (type) {
            case STRING -> switch (resolved) {
                case "bool" -> String.valueOf(TRUES.contains(text));
                case "int" -> integer(text).toString();
                default -> text;
            };
            case BOOL -> {
                if (!resolved.equals("bool")) {
                    throw cannotDecode(jsonType(resolved), key, type);
                }
                yield String.valueOf(TRUES.contains(text));
            }
            case INT -> {
                if (!resolved.equals("int")) {
                    throw cannotDecode(jsonType(resolved), key, type);
                }
                yield integer(text).toString();
            }
            case DURATION -> {
                if (!resolved.equals("int")) {
                    throw cannotDecode(jsonType(resolved), key, type);
                }
                yield integer(text) + "ns";
            }
            // kvorum's plugin options also take one string; etcd's lists do not
            case LIST -> {
                if (flag.kind() != Flag.Kind.REPEATABLE) {
                    throw cannotDecode(jsonType(resolved), key, type);
                }
                yield text;
            }
        };
        return Optional.of(new Value(value, key));
    }

    /** What a plain scalar is under YAML 1.1: null, bool, int, float or string. */
    private static String resolve(String text) {
        if (NULLS.contains(text)) {
            return "null";
        }
        if (TRUES.contains(text) || FALSES.contains(text)) {
            return "bool";
        }
        if (INTEGER.matcher(text).matches()) {
            return "int";
        }
        if (FLOAT.matcher(text).matches()) {
            return "float";
        }
        return "string";
    }

    private static BigInteger integer(String text) {
        String digits = text.replace("_", "");
        boolean negative = digits.startsWith("-");
        if (digits.startsWith("-") || digits.startsWith("+")) {
            digits = digits.substring(1);
        }
        BigInteger value;
        if (digits.startsWith("0b")) {
            value = new BigInteger(digits.substring(2), 2);
        } else if (digits.startsWith("0x")) {
            value = new BigInteger(digits.substring(2), 16);
        } else if (digits.length() > 1 && digits.startsWith("0")) {
            value = new BigInteger(digits.substring(1), 8);
        } else {
            value = new BigInteger(digits);
        }
        return negative ? value.negate() : value;
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode scalar && scalar.isPlain() && NULLS.contains(scalar.getValue());
    }

    private static Map<String, Node> mapping(Node node, String where) throws UsageException {
        if (!(node instanceof MappingNode mapping)) {
            throw new UsageException("error unmarshaling JSON: " + where + " is not a mapping of keys to values");
        }
        Map<String, Node> entries = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (tuple.getKeyNode() instanceof ScalarNode key) {
                // a key given twice: the last one counts, as in a JSON object
                entries.put(key.getValue(), tuple.getValueNode());
            }
        }
        return entries;
    }

    private static String jsonType(String resolved) {
        return switch (resolved) {
            case "int", "float" -> "number";
            case "bool" -> "bool";
            default -> "string";
        };
    }

    /** etcd's message for a value of the wrong type (encoding/json's words). */
    private static UsageException cannotDecode(String jsonType, String key, Type type) {
        String goType = switch (type) {
            case STRING -> "string";
            case BOOL -> "bool";
            case INT -> "int";
            case DURATION -> "time.Duration";
            case LIST -> "[]string";
        };
        return new UsageException("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal " + jsonType
                + " into Go struct field configYAML." + key + " of type " + goType);
    }
}
