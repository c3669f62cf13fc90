/** The distribution's command line as a user meets it: bin/kvorum, its flags, output and exit codes. */
package io.kvorum.it.launcher;
