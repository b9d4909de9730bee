package dev.redoubt.restore;

import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.TableEntry;

/**
 * One chunk to load: into a table, or, with no table, the large objects.
 *
 * @param table the table, or {@code null} for large objects
 * @param chunk the chunk
 */
record LoadTask(TableEntry table, ChunkRef chunk) {

	String what() {
		return (this.table == null) ? "large objects" : this.table.qualifiedName();
	}

}
