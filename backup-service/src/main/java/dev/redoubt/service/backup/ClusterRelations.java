package dev.redoubt.service.backup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.manifest.BaseBackupManifest.Database;
import dev.redoubt.core.manifest.BaseBackupManifest.RelationFile;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.ServerVersion;

/**
 * Which table each relation file of a cluster serves, read from every database's catalog
 * just before and just after a base backup. A file that served the same table at both
 * moments held that table's rows in the backup whenever the copy reached it, so a
 * selective restore of other tables may leave it out (a zero-filled file of the same size
 * replaces it). A file that appeared, vanished or changed hands in between (a rewrite by
 * VACUUM FULL, CLUSTER or TRUNCATE during the backup) is not listed: restores always
 * fetch it. Only user objects with storage of permanent persistence are listed: system
 * catalogs, sequences and unlogged relations are always restored.
 */
final class ClusterRelations {

	private static final Logger log = LoggerFactory.getLogger(ClusterRelations.class);

	/** The database of each file and the table it serves, and its partition root. */
	private static final String RELATION_FILES = "SELECT c.relfilenode, tn.nspname, t.relname, rn.nspname, r.relname,"
			+ " c.relkind" + " FROM pg_class c" + " JOIN LATERAL (SELECT CASE WHEN c.relkind IN ('r', 'm') THEN c.oid"
			+ "   WHEN c.relkind = 't' THEN (SELECT o.oid FROM pg_class o WHERE o.reltoastrelid = c.oid)"
			+ "   WHEN c.relkind = 'i' THEN (SELECT CASE WHEN ic.relkind = 't'"
			+ "     THEN (SELECT o.oid FROM pg_class o WHERE o.reltoastrelid = ic.oid) ELSE ic.oid END"
			+ "     FROM pg_index x JOIN pg_class ic ON ic.oid = x.indrelid WHERE x.indexrelid = c.oid)"
			+ "   END AS oid) served ON true" + " JOIN pg_class t ON t.oid = served.oid"
			+ " JOIN pg_namespace tn ON tn.oid = t.relnamespace"
			+ " LEFT JOIN pg_class r ON r.oid = %s AND r.oid <> t.oid"
			+ " LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace"
			+ " WHERE c.oid >= 16384 AND c.relfilenode <> 0 AND c.relpersistence = 'p'"
			+ " AND c.relkind IN ('r', 't', 'i', 'm') AND t.relkind IN ('r', 'm')";

	/**
	 * @param databases the databases when the catalog was read
	 * @param relations the relation files of the databases that could be read
	 */
	record Taken(List<Database> databases, List<RelationFile> relations) {

		/** The files listed the same way in both: what a restore may leave out. */
		Taken stableWith(Taken later) {
			Set<RelationFile> after = new HashSet<>(later.relations);
			List<RelationFile> stable = this.relations.stream().filter(after::contains).toList();
			return new Taken(later.databases, stable);
		}

	}

	private ClusterRelations() {
	}

	/**
	 * Reads every database that accepts connections; one that cannot be read (no CONNECT
	 * privilege) lists no file, so restores fetch all of its files.
	 */
	static Taken take(ConnectionSpec connection, ServerVersion version) throws SQLException {
		List<Database> databases = new ArrayList<>();
		List<String> readable = new ArrayList<>();
		try (Connection db = connection.open("redoubt base backup");
				PreparedStatement statement = db
					.prepareStatement("SELECT oid, datname, datallowconn FROM pg_database ORDER BY oid");
				ResultSet rows = statement.executeQuery()) {
			while (rows.next()) {
				databases.add(new Database(rows.getLong(1), rows.getString(2)));
				if (rows.getBoolean(3)) {
					readable.add(rows.getString(2));
				}
			}
		}
		String root = (version.major() >= 12) ? "pg_partition_root(t.oid)" : "NULL";
		List<RelationFile> relations = new ArrayList<>();
		for (Database database : databases) {
			if (!readable.contains(database.name())) {
				continue;
			}
			try (Connection db = connection.withDatabase(database.name()).open("redoubt base backup");
					PreparedStatement statement = db.prepareStatement(String.format(RELATION_FILES, root));
					ResultSet rows = statement.executeQuery()) {
				while (rows.next()) {
					relations.add(new RelationFile(database.oid(), rows.getLong(1), rows.getString(2),
							rows.getString(3), rows.getString(4), rows.getString(5), rows.getString(6)));
				}
			}
			catch (RuntimeException | SQLException ex) {
				log.info("cannot read the catalog of database {} ({}); a selective restore fetches all its files",
						database.name(), ex.getMessage());
			}
		}
		return new Taken(databases, relations);
	}

}
