package io.kvorum.launcher;

import io.kvorum.launcher.plugin.InstalledPlugin;
import io.kvorum.launcher.plugin.PluginCatalog;
import io.kvorum.launcher.plugin.PluginKind;

/**
 * The installed plugins as {@code kvorum plugins} and {@code kvorum --help} print them: by kind,
 * each with its description, where it came from and its options. Only option names and their
 * descriptions are printed, never values.
 */
final class PluginListing {
    private PluginListing() {
    }

    static String text(PluginCatalog catalog) {
        StringBuilder out = new StringBuilder();
        for (PluginKind kind : PluginKind.values()) {
            out.append('\n').append(kind.title()).append(" plugins (").append(kind.flag())
                    .append(" <name>):\n");
            if (catalog.of(kind).isEmpty()) {
                out.append("\n  none\n");
            }
            for (InstalledPlugin plugin : catalog.of(kind)) {
                out.append("\n  ").append(kind.flag()).append(' ').append(plugin.name()).append('\n');
                if (!plugin.provider().description().isEmpty()) {
                    out.append("      ").append(plugin.provider().description()).append('\n');
                }
                out.append("      from: ").append(plugin.origin()).append('\n');
                plugin.provider().options().forEach((name, description) ->
                        out.append("      ").append(kind.optionUsage(plugin.name(), name)).append('\n')
                                .append("          ").append(description).append('\n'));
            }
        }
        return out.toString();
    }
}
