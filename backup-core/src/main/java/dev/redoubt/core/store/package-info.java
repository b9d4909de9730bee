/**
 * Object stores: the storage regions a repository is written to, and the decorator that
 * writes every region and reads the first healthy copy.
 */
package dev.redoubt.core.store;
