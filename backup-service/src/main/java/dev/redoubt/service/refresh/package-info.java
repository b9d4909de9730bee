/**
 * Refreshes of DEV and QAT environments: the newest verified backup, masked, verified,
 * and swapped in only once whole.
 */
package dev.redoubt.service.refresh;
