/**
 * Proof that a restore is right: fingerprints of a database's content, compared between
 * the source and a restored copy.
 */
package dev.redoubt.verify;
