/**
 * Holders for secret values that redact themselves when printed.
 */
package dev.redoubt.core.secret;
