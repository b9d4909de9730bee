/**
 * The manifest: the signed record that makes a set of objects a backup, and its encoding.
 */
package dev.redoubt.core.manifest;
