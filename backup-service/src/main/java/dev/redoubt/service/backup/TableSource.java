package dev.redoubt.service.backup;

import java.util.List;

import dev.redoubt.core.manifest.TableEntry;

/**
 * A table whose rows are backed up, as the catalog described it at the snapshot.
 *
 * @param oid the table's oid
 * @param schema schema name
 * @param name table name
 * @param persistence {@code permanent} or {@code unlogged}
 * @param partitionOf the partitioned parent, quoted, or {@code null}
 * @param columns COPY columns (generated columns excluded)
 * @param keyColumn single-column integer primary key, or {@code null}
 * @param pages size in 8 KiB pages, to split large tables by {@code ctid} range
 * @param rlsEnabled whether row security is enabled on it
 */
record TableSource(long oid, String schema, String name, String persistence, String partitionOf, List<String> columns,
		String keyColumn, long pages, boolean rlsEnabled) {

	String qualifiedName() {
		return TableEntry.quote(this.schema) + "." + TableEntry.quote(this.name);
	}

	String columnList() {
		return String.join(", ", this.columns.stream().map(TableEntry::quote).toList());
	}

	int keyIndex() {
		return (this.keyColumn == null) ? -1 : this.columns.indexOf(this.keyColumn);
	}

}
