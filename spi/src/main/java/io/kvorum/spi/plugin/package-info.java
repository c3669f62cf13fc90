/**
 * What every plugin kind shares: its configuration view and the services the server lends it.
 */
package io.kvorum.spi.plugin;
