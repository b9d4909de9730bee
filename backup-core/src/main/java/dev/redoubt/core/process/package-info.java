/** Recognising a process later: who holds a lease, who started a sandbox. */
package dev.redoubt.core.process;
