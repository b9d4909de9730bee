package dev.redoubt.restore.physical;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.restore.QualifiedName;

/**
 * The tables a restore as of a time reads from its recovered cluster, as that cluster's
 * catalog names them (as of the target): the tables named, the partitions under them and
 * every table of the schemas named, with the files their rows are read from (the heap,
 * its TOAST table and the TOAST table's index; never other indexes, which a table copy
 * does not use).
 *
 * @param database the database's OID
 * @param tables the tables' OIDs
 * @param files the file numbers their rows are read from
 */
public record AsOfTables(long database, Set<Long> tables, Set<Long> files) {

	private static final String PICKED = "WITH RECURSIVE picked AS ("
			+ " SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
			+ " WHERE c.relkind IN ('r', 'p') AND ((n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))"
			+ "   OR n.nspname = ANY (?::text[]))"
			+ " UNION SELECT i.inhrelid FROM pg_inherits i JOIN picked p ON i.inhparent = p.oid)"
			+ " SELECT c.oid, pg_relation_filenode(c.oid), pg_relation_filenode(NULLIF(c.reltoastrelid, 0)),"
			+ " (SELECT pg_relation_filenode(x.indexrelid) FROM pg_index x WHERE x.indrelid = c.reltoastrelid LIMIT 1),"
			+ " (SELECT oid FROM pg_database WHERE datname = current_database())"
			+ " FROM pg_class c JOIN picked p ON p.oid = c.oid";

	/** Reads them from the recovered cluster's database. */
	public static AsOfTables read(ConnectionSpec recovered, List<QualifiedName> tables, List<String> schemas) {
		try (Connection connection = recovered.open("redoubt restore as of");
				PreparedStatement statement = connection.prepareStatement(PICKED)) {
			statement.setArray(1, connection.createArrayOf("text",
					tables.stream().map(QualifiedName::schema).toArray(String[]::new)));
			statement.setArray(2,
					connection.createArrayOf("text", tables.stream().map(QualifiedName::name).toArray(String[]::new)));
			statement.setArray(3, connection.createArrayOf("text", schemas.toArray(String[]::new)));
			Set<Long> oids = new HashSet<>();
			Set<Long> files = new HashSet<>();
			long database = 0;
			try (ResultSet rows = statement.executeQuery()) {
				while (rows.next()) {
					oids.add(rows.getLong(1));
					for (int column = 2; column <= 4; column++) {
						long file = rows.getLong(column);
						if (!rows.wasNull()) {
							files.add(file);
						}
					}
					database = rows.getLong(5);
				}
			}
			return new AsOfTables(database, Set.copyOf(oids), Set.copyOf(files));
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
					"cannot read the recovered cluster's catalog: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Whether every file these tables are read from was fetched and replayed whole: none
	 * left out by {@code selection}, none with pages PostgreSQL found uninitialized.
	 */
	public boolean completeUnder(FileSelection selection, Set<Long> filesWithInvalidPages) {
		return this.files.stream()
			.noneMatch((file) -> selection.leavesOut(this.database, file) || filesWithInvalidPages.contains(file));
	}

}
