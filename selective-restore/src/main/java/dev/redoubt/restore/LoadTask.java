package dev.redoubt.restore;

import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.TableEntry;

/**
 * One chunk to load: into a table, or, with no table, the large objects.
 *
 * @param table the table, or {@code null} for large objects
 * @param chunk the chunk
 * @param largeObjectOwners for large objects: whether each row carries the owner and
 * grants
 */
record LoadTask(TableEntry table, ChunkRef chunk, boolean largeObjectOwners) {

	LoadTask(TableEntry table, ChunkRef chunk) {
		this(table, chunk, false);
	}

	String what() {
		return (this.table == null) ? "large objects" : this.table.qualifiedName();
	}

}
