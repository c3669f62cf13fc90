package io.kvorum.launcher;

import io.kvorum.launcher.plugin.PluginCatalog;
import io.kvorum.launcher.plugin.PluginKind;
import io.kvorum.launcher.plugin.PluginLoadException;
import io.kvorum.server.EtcdSnapshotFile;
import io.kvorum.server.ServerConfig;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
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

    /** {@code kvorum snapshot save FILE [--endpoints URL] [--user NAME:PASSWORD]}. */
    record Save(Path file, URI endpoint, String user) {
    }

    /** {@code kvorum snapshot restore FILE ...}. */
    record Restore(Path file, Path dataDir, String name, boolean skipHashCheck, String backend,
                   PluginOptions backendOptions) {
    }

    private SnapshotCommand() {
    }

    private static final String USAGE = "usage: kvorum snapshot save FILE [--endpoints http://HOST:PORT]"
            + " [--user NAME:PASSWORD] | kvorum snapshot status FILE [-w simple|json|table|fields]"
            + " | kvorum snapshot restore FILE [--data-dir DIR] [--name NAME] [--initial-cluster NAME=URL,...]"
            + " [--initial-cluster-token TOKEN] [--initial-advertise-peer-urls URL,...] [--skip-hash-check]"
            + " [--wal-dir DIR] [--backend NAME] [--backend-opt KEY=VALUE] [--plugin-dir DIR]";

    /** @param args the words after {@code snapshot} */
    static Command.Snapshot parse(List<String> args) throws UsageException {
        if (args.isEmpty()) {
            throw new UsageException(USAGE);
        }
        String verb = args.get(0);
        List<String> files = new ArrayList<>();
        Map<String, List<String>> flags = new LinkedHashMap<>();
        for (int i = 1; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("-")) {
                files.add(arg);
                continue;
            }
            String body = arg.replaceFirst("^--?", "");
            String name = body.contains("=") ? body.substring(0, body.indexOf('=')) : body;
            String value;
            if (body.contains("=")) {
                value = body.substring(body.indexOf('=') + 1);
            } else if (name.equals("skip-hash-check")) {
                value = "true";
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new UsageException("flag needs an argument: " + arg);
            }
            flags.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        if (files.size() != 1) {
            throw new UsageException("kvorum snapshot " + verb + " takes one snapshot file (" + USAGE + ")");
        }
        Path file = Path.of(files.get(0));
        List<Path> pluginDirs = new ArrayList<>();
        flags.getOrDefault("plugin-dir", List.of()).forEach(v -> split(v).forEach(d -> pluginDirs.add(Path.of(d))));
        switch (verb) {
            case "save" -> {
                onlyFlags(flags, List.of("endpoints", "user"));
                String endpoint = last(flags, "endpoints", "http://127.0.0.1:2379");
                if (split(endpoint).size() != 1) {
                    throw new UsageException("snapshot must be requested to one selected node, not multiple "
                            + split(endpoint));
                }
                try {
                    return new Command.Snapshot(new Save(file, URI.create(endpoint.trim()), last(flags, "user", "")),
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
                        "plugin-dir"));
                String name = last(flags, "name", "default");
                // where kvorum --name NAME looks by default (etcdutl: NAME.etcd)
                Path dataDir = Path.of(last(flags, "data-dir", name + ".kvorum"));
                String peerUrls = last(flags, "initial-advertise-peer-urls", "http://localhost:2380");
                String cluster = last(flags, "initial-cluster", name + "=" + peerUrls);
                checkCluster(name, cluster, peerUrls);
                String walDir = last(flags, "wal-dir", "");
                if (!walDir.isEmpty() && !Path.of(walDir).toAbsolutePath().normalize()
                        .equals(dataDir.resolve("member").resolve("wal").toAbsolutePath().normalize())) {
                    throw new UsageException("--wal-dir: kvorum keeps a member's log in <data-dir>/member/wal");
                }
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
                boolean skip = Boolean.parseBoolean(last(flags, "skip-hash-check", "false"));
                return new Command.Snapshot(new Restore(file, dataDir, name, skip,
                        last(flags, "backend", ServerConfig.DEFAULT_BACKEND), PluginOptions.of(options)), pluginDirs);
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
                SnapshotSave.save(save.endpoint(), save.user(), save.file());
                System.out.println("Snapshot saved at " + save.file());
                return Main.EXIT_OK;
            }
            if (command.action() instanceof Status status) {
                System.out.print(EtcdSnapshotFile.status(status.file(), status.format()));
                System.out.flush();
                return Main.EXIT_OK;
            }
            Restore restore = (Restore) command.action();
            BackendProvider backend = (BackendProvider) PluginCatalog.load(pluginFolders)
                    .find(PluginKind.BACKEND, restore.backend()).provider();
            EtcdSnapshotFile.restore(restore.file(), restore.skipHashCheck(), restore.dataDir(), backend,
                    restore.backendOptions());
            System.out.println("kvorum: restored snapshot " + restore.file() + " into " + restore.dataDir()
                    + " for member " + restore.name() + "; start it with the same --name and --initial-cluster");
            return Main.EXIT_OK;
        } catch (IOException | PluginLoadException | IllegalArgumentException e) {
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
