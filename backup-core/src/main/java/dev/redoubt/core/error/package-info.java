/**
 * The error catalogue: every failure Redoubt reports has a code and a stable exit status.
 */
package dev.redoubt.core.error;
