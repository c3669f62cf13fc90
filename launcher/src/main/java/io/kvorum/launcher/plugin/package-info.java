/**
 * Drop-in plugins: each jar, or folder of jars, of a plugin folder loaded into a module layer of
 * its own over the boot layer, and the providers of every layer found by kind and name.
 * {@link io.kvorum.launcher.plugin.PluginCatalog} is the room's entry point.
 */
package io.kvorum.launcher.plugin;
