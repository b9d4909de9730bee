/**
 * The restore engine: plans the chunks a request needs, fetches each from the first
 * healthy region with its hash verified, and loads it; a full restore selects everything.
 */
package dev.redoubt.restore;
