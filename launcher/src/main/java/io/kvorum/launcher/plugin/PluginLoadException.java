package io.kvorum.launcher.plugin;

/**
 * A plugin that cannot be loaded: a damaged jar, a module it needs and nobody carries, two jars of
 * one module in a folder, a provider that fails to be created. The message names the jar or
 * folder at fault.
 */
public final class PluginLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    PluginLoadException(String where, String reason, Throwable cause) {
        super("cannot load plugin " + where + ": " + reason, cause);
    }
}
