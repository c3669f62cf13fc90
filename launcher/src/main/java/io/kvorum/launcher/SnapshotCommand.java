package io.kvorum.launcher;

import io.kvorum.launcher.plugin.PluginCatalog;
import io.kvorum.launcher.plugin.PluginKind;
import io.kvorum.launcher.plugin.PluginLoadException;
import io.kvorum.server.EtcdSnapshotFile;
import io.kvorum.server.ServerConfig;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code kvorum snapshot save|status|restore}: etcd's snapshot file, with etcdctl's and
 * {@code etcdutl}'s verbs, flags and output, plus kvorum's {@code --backend}, {@code --backend-opt}
 * and {@code --plugin-dir} to say which backend the restored member will run with.
 */
final class SnapshotCommand {
    static final String WORD = "snapshot";

    /** {@code kvorum snapshot status FILE [-w simple|json|table|fields]}. */
    record Status(Path file, EtcdSnapshotFile.Format format) {
    }

    /** {@code kvorum snapshot save FILE [--endpoints URL] [--user NAME:PASSWORD] [TLS flags]}. */
    record Save(Path file, URI endpoint, String user, SnapshotSave.Tls tls) {
        Save(Path file, URI endpoint, String user) {
            this(file, endpoint, user, SnapshotSave.Tls.NONE);
        }
    }

    /** {@code kvorum snapshot restore FILE ...}; {@code bumpRevision} 0 for none. */
    record Restore(Path file, Path dataDir, String name, boolean skipHashCheck, long bumpRevision, String backend,
                   PluginOptions backendOptions) {
    }

    /** {@code kvorum migrate --from-etcd-data-dir DIR ...}; {@code etcdWalDir} null for the etcd data dir's. */
    record Migrate(Path etcdDataDir, Path etcdWalDir, Path dataDir, String name, String backend,
                   PluginOptions backendOptions) {
    }

    /** The word of {@code kvorum migrate}. */
    static final String MIGRATE = "migrate";

    /** Flags that take no value (a following word is not theirs); {@code --flag=false} turns one off. */
    private static final List<String> SWITCHES = List.of("skip-hash-check", "mark-compacted",
            "insecure-skip-tls-verify", "insecure-transport");

    private SnapshotCommand() {
    }

    private static final String RESTORE_FLAGS = " [--data-dir DIR] [--name NAME] [--initial-cluster NAME=URL,...]"
            + " [--initial-cluster-token TOKEN] [--initial-advertise-peer-urls URL,...]";
    private static final String BACKEND_FLAGS = " [--backend NAME] [--backend-opt KEY=VALUE] [--plugin-dir DIR]";
    private static final String USAGE = "usage: kvorum snapshot save FILE [--endpoints http(s)://HOST:PORT]"
            + " [--user NAME:PASSWORD] [--cacert FILE] [--cert FILE --key FILE] [--insecure-skip-tls-verify]"
            + " | kvorum snapshot status FILE [-w simple|json|table|fields]"
            + " | kvorum snapshot restore FILE" + RESTORE_FLAGS + " [--skip-hash-check]"
            + " [--bump-revision N --mark-compacted] [--wal-dir DIR]" + BACKEND_FLAGS;
    static final String MIGRATE_USAGE = "usage: kvorum migrate --from-etcd-data-dir DIR [--from-etcd-wal-dir DIR]"
            + RESTORE_FLAGS + BACKEND_FLAGS;

    /** The words and flags of a command line. */
    private record Words(List<String> operands, Map<String, List<String>> flags) {
    }

    private static Words words(List<String> args) throws UsageException {
        List<String> operands = new ArrayList<>();
        Map<String, List<String>> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("-")) {
                operands.add(arg);
                continue;
            }
            String body = arg.replaceFirst("^--?", "");
            String name = body.contains("=") ? body.substring(0, body.indexOf('=')) : body;
            String value;
            if (body.contains("=")) {
                value = body.substring(body.indexOf('=') + 1);
            } else if (SWITCHES.contains(name)) {
                value = "true";
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new UsageException("flag needs an argument: " + arg);
            }
            flags.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return new Words(operands, flags);
    }

    private static List<Path> pluginDirs(Map<String, List<String>> flags) {
        List<Path> pluginDirs = new ArrayList<>();
        flags.getOrDefault("plugin-dir", List.of()).forEach(v -> split(v).forEach(d -> pluginDirs.add(Path.of(d))));
        return pluginDirs;
    }

    /** @param args the words after {@code migrate} */
    static Command.Snapshot parseMigrate(List<String> args) throws UsageException {
        Words words = words(args);
        Map<String, List<String>> flags = words.flags();
        if (!words.operands().isEmpty()) {
            throw new UsageException("kvorum migrate takes no file (" + MIGRATE_USAGE + ")");
        }
        onlyFlags(flags, List.of("from-etcd-data-dir", "from-etcd-wal-dir", "data-dir", "name", "initial-cluster",
                "initial-cluster-token", "initial-advertise-peer-urls", "backend", "backend-opt", "plugin-dir"));
        String from = last(flags, "from-etcd-data-dir", "");
        if (from.isEmpty()) {
            throw new UsageException("kvorum migrate needs --from-etcd-data-dir (" + MIGRATE_USAGE + ")");
        }
        String name = last(flags, "name", "default");
        Path dataDir = newMember(flags, name);
        String walDir = last(flags, "from-etcd-wal-dir", "");
        return new Command.Snapshot(new Migrate(Path.of(from), walDir.isEmpty() ? null : Path.of(walDir), dataDir,
                name, last(flags, "backend", ServerConfig.DEFAULT_BACKEND), backendOptions(flags)), pluginDirs(flags));
    }

    /** The new member's data dir (default {@code <name>.kvorum}), after checking its cluster flags. */
    private static Path newMember(Map<String, List<String>> flags, String name) throws UsageException {
        // where kvorum --name NAME looks by default (etcdutl: NAME.etcd)
        Path dataDir = Path.of(last(flags, "data-dir", name + ".kvorum"));
        String peerUrls = last(flags, "initial-advertise-peer-urls", "http://localhost:2380");
        String cluster = last(flags, "initial-cluster", name + "=" + peerUrls);
        checkCluster(name, cluster, peerUrls);
        return dataDir;
    }

    private static PluginOptions backendOptions(Map<String, List<String>> flags) throws UsageException {
        Map<String, String> options = new LinkedHashMap<>();
        for (String v : flags.getOrDefault("backend-opt", List.of())) {
            for (String pair : split(v)) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new UsageException("--backend-opt: expected key=value, got " + pair);
                }
                options.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return PluginOptions.of(options);
    }

    /** @param args the words after {@code snapshot} */
    static Command.Snapshot parse(List<String> args) throws UsageException {
        if (args.isEmpty()) {
            throw new UsageException(USAGE);
        }
        String verb = args.get(0);
        Words words = words(args.subList(1, args.size()));
        List<String> files = words.operands();
        Map<String, List<String>> flags = words.flags();
        if (files.size() != 1) {
            throw new UsageException("kvorum snapshot " + verb + " takes one snapshot file (" + USAGE + ")");
        }
        Path file = Path.of(files.get(0));
        List<Path> pluginDirs = pluginDirs(flags);
        switch (verb) {
            case "save" -> {
                onlyFlags(flags, List.of("endpoints", "user", "cacert", "cert", "key", "insecure-skip-tls-verify",
                        "insecure-transport"));
                String endpoint = last(flags, "endpoints", "http://127.0.0.1:2379");
                if (split(endpoint).size() != 1) {
                    throw new UsageException("snapshot must be requested to one selected node, not multiple "
                            + split(endpoint));
                }
                String cert = last(flags, "cert", "");
                String key = last(flags, "key", "");
                if (cert.isEmpty() != key.isEmpty()) {
                    throw new UsageException(cert.isEmpty() ? "--key needs --cert" : "--cert needs --key");
                }
                String cacert = last(flags, "cacert", "");
                SnapshotSave.Tls tls = new SnapshotSave.Tls(
                        cacert.isEmpty() ? null : Path.of(cacert), cert.isEmpty() ? null : Path.of(cert),
                        key.isEmpty() ? null : Path.of(key),
                        Boolean.parseBoolean(last(flags, "insecure-skip-tls-verify", "false")));
                try {
                    return new Command.Snapshot(new Save(file, URI.create(endpoint.trim()), last(flags, "user", ""), tls),
                            pluginDirs);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--endpoints: " + e.getMessage());
                }
            }
            case "status" -> {
                onlyFlags(flags, List.of("w", "write-out"));
                String format = last(flags, "write-out", last(flags, "w", "simple"));
                try {
                    return new Command.Snapshot(new Status(file,
                            EtcdSnapshotFile.Format.valueOf(format.toUpperCase(Locale.ROOT))), pluginDirs);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("unsupported output format: " + format);
                }
            }
            case "restore" -> {
                onlyFlags(flags, List.of("data-dir", "name", "initial-cluster", "initial-cluster-token",
                        "initial-advertise-peer-urls", "skip-hash-check", "wal-dir", "backend", "backend-opt",
                        "plugin-dir", "bump-revision", "mark-compacted"));
                String name = last(flags, "name", "default");
                Path dataDir = newMember(flags, name);
                long bump;
                try {
                    bump = Long.parseLong(last(flags, "bump-revision", "0"));
                } catch (NumberFormatException e) {
                    throw new UsageException("invalid argument \"" + last(flags, "bump-revision", "")
                            + "\" for \"--bump-revision\" flag: " + e.getMessage());
                }
                if (bump < 0) {
                    throw new UsageException("--bump-revision must not be negative");
                }
                boolean markCompacted = Boolean.parseBoolean(last(flags, "mark-compacted", "false"));
                if (markCompacted != (bump > 0)) {
                    throw new UsageException(markCompacted ? "--mark-compacted requires --bump-revision > 0"
                            : "--bump-revision requires --mark-compacted");
                }
                String walDir = last(flags, "wal-dir", "");
                if (!walDir.isEmpty() && !Path.of(walDir).toAbsolutePath().normalize()
                        .equals(dataDir.resolve("member").resolve("wal").toAbsolutePath().normalize())) {
                    throw new UsageException("--wal-dir: kvorum keeps a member's log in <data-dir>/member/wal");
                }
                boolean skip = Boolean.parseBoolean(last(flags, "skip-hash-check", "false"));
                return new Command.Snapshot(new Restore(file, dataDir, name, skip, bump,
                        last(flags, "backend", ServerConfig.DEFAULT_BACKEND), backendOptions(flags)), pluginDirs);
            }
            default -> throw new UsageException("unknown snapshot command " + verb + " (" + USAGE + ")");
        }
    }

    /** As etcd: the member's name must be in the initial cluster, with its advertised peer URLs. */
    private static void checkCluster(String name, String cluster, String peerUrls) throws UsageException {
        List<String> own = new ArrayList<>();
        for (String member : split(cluster)) {
            int eq = member.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--initial-cluster: expected name=url, got " + member);
            }
            try {
                URI.create(member.substring(eq + 1));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--initial-cluster: " + e.getMessage());
            }
            if (member.substring(0, eq).equals(name)) {
                own.add(member.substring(eq + 1));
            }
        }
        if (own.isEmpty()) {
            throw new UsageException("couldn't find local name \"" + name + "\" in the initial cluster configuration");
        }
        if (!new java.util.TreeSet<>(own).equals(new java.util.TreeSet<>(split(peerUrls)))) {
            throw new UsageException("--initial-cluster has " + name + "=" + String.join(",", own)
                    + " but missing from --initial-advertise-peer-urls=" + peerUrls);
        }
    }

    static int run(Command.Snapshot command, List<Path> pluginFolders) {
        try {
            if (command.action() instanceof Save save) {
                SnapshotSave.save(save.endpoint(), save.user(), save.tls(), save.file(), pluginFolders);
                System.out.println("Snapshot saved at " + save.file());
                return Main.EXIT_OK;
            }
            if (command.action() instanceof Status status) {
                System.out.print(EtcdSnapshotFile.status(status.file(), status.format()));
                System.out.flush();
                return Main.EXIT_OK;
            }
            if (command.action() instanceof Migrate migrate) {
                BackendProvider backend = (BackendProvider) PluginCatalog.load(pluginFolders)
                        .find(PluginKind.BACKEND, migrate.backend()).provider();
                String account = EtcdSnapshotFile.migrate(migrate.etcdDataDir(), migrate.etcdWalDir(), migrate.dataDir(),
                        backend, migrate.backendOptions());
                System.out.println("kvorum: migrated etcd data dir " + migrate.etcdDataDir() + " into " + migrate.dataDir()
                        + " for member " + migrate.name() + " (" + account
                        + "); start it with the same --name and --initial-cluster");
                return Main.EXIT_OK;
            }
            Restore restore = (Restore) command.action();
            BackendProvider backend = (BackendProvider) PluginCatalog.load(pluginFolders)
                    .find(PluginKind.BACKEND, restore.backend()).provider();
            EtcdSnapshotFile.restore(restore.file(), restore.skipHashCheck(), restore.bumpRevision(), restore.dataDir(),
                    backend, restore.backendOptions());
            System.out.println("kvorum: restored snapshot " + restore.file() + " into " + restore.dataDir()
                    + " for member " + restore.name() + "; start it with the same --name and --initial-cluster");
            return Main.EXIT_OK;
        } catch (IOException | PluginLoadException | IllegalArgumentException | IllegalStateException
                 | UncheckedIOException e) {
            // a file the store cannot make sense of, said as the rest: one line, the reason
            System.err.println("Error: " + e.getMessage());
            return Main.EXIT_START_FAILED;
        }
    }

    private static void onlyFlags(Map<String, List<String>> flags, List<String> known) throws UsageException {
        for (String flag : flags.keySet()) {
            if (!known.contains(flag)) {
                throw new UsageException("unknown flag: --" + flag);
            }
        }
    }

    private static String last(Map<String, List<String>> flags, String name, String absent) {
        List<String> values = flags.get(name);
        return values == null ? absent : values.get(values.size() - 1);
    }

    private static List<String> split(String value) {
        List<String> parts = new ArrayList<>();
        for (String part : value.split(",")) {
            if (!part.isBlank()) {
                parts.add(part.trim());
            }
        }
        return parts;
    }
}
