/** Progress of long work: a bar on a terminal, plain log lines in a pipe. */
package dev.redoubt.core.progress;
