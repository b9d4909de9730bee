/**
 * Masked restores: a policy that names a transform for every column, a key that makes
 * them deterministic, and the row stream they rewrite on its way into {@code COPY FROM}.
 */
package dev.redoubt.restore.mask;
