/**
 * The watch hub: delivers each committed revision's events to the watchers whose range they
 * touch, catches watchers up from history, and keeps every stream's memory bounded without ever
 * making the apply loop wait.
 */
package io.kvorum.server.watch;
