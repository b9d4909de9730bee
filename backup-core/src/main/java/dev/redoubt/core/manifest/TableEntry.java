package dev.redoubt.core.manifest;

import java.util.List;

/**
 * A table with rows (a plain, unlogged or leaf-partition table) and its chunks.
 *
 * @param schema schema name, unquoted
 * @param name table name, unquoted
 * @param persistence {@code permanent} or {@code unlogged}
 * @param partitionOf the partitioned parent as {@code schema.name} (quoted), or
 * {@code null}
 * @param columns the columns in {@code COPY} order (generated columns excluded), unquoted
 * @param keyColumn the single-column integer key whose bounds each chunk records, or
 * {@code null}
 * @param rows rows in the table
 * @param contentHash order-independent hash of all rows
 * ({@link dev.redoubt.core.codec.ContentHash})
 * @param chunks the table's chunks
 */
public record TableEntry(String schema, String name, String persistence, String partitionOf, List<String> columns,
		String keyColumn, long rows, String contentHash, List<ChunkRef> chunks) {

	/** {@code "schema"."name"}, quoted for SQL. */
	public String qualifiedName() {
		return quote(this.schema) + "." + quote(this.name);
	}

	public static String quote(String identifier) {
		return "\"" + identifier.replace("\"", "\"\"") + "\"";
	}

}
