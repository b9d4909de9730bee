package dev.redoubt.restore.physical;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.manifest.BaseBackupManifest.RelationFile;
import dev.redoubt.restore.QualifiedName;

/**
 * Which files of a base backup a recovery fetches. {@link #all} fetches every one. A
 * selection {@link #forTables for some tables} leaves out every relation file of the
 * other databases (their catalogs too: the throwaway cluster is only ever entered through
 * the tables' database), and in the tables' database the files of every other user table,
 * TOAST table, index and materialized view that the backup's manifest lists as serving
 * the same table just before and just after the backup. Recovery finds zero-filled files
 * of the same size in their place, as pgBackRest's {@code --db-include} does for whole
 * databases. The cluster-wide files, the database's system catalogs and sequences, and
 * everything the manifest does not vouch for are always fetched.
 *
 * <p>
 * The selection is made from the catalog as it was when the backup ran; the tables are
 * named as of the recovery target. {@link #leavesOut} lets the caller check, once
 * recovered, that no file its tables use as of the target was left out (a table renamed
 * over another since the backup); if one was, it recovers again with {@link #all}.
 */
public final class FileSelection {

	/** {@code base/<database>/<filenode>[_fork][.segment]}. */
	private static final Pattern RELATION_PATH = Pattern
		.compile("base/([0-9]+)/([0-9]+)(?:_(?:fsm|vm|init))?(?:\\.[0-9]+)?");

	private static final FileSelection ALL = new FileSelection(null, 0, Set.of(), Set.of(), "every file");

	/** The tables' database, or {@code null} when every file is fetched. */
	private final String database;

	private final long databaseOid;

	private final Set<Long> otherDatabases;

	/** Files of the tables' database left out. */
	private final Set<Long> leftOut;

	private final String description;

	private FileSelection(String database, long databaseOid, Set<Long> otherDatabases, Set<Long> leftOut,
			String description) {
		this.database = database;
		this.databaseOid = databaseOid;
		this.otherDatabases = otherDatabases;
		this.leftOut = leftOut;
		this.description = description;
	}

	private static FileSelection every(String why) {
		return new FileSelection(null, 0, Set.of(), Set.of(), "every file (" + why + ")");
	}

	/** Every file of the backup. */
	public static FileSelection all() {
		return ALL;
	}

	/**
	 * The files the named tables (and their partitions, TOAST tables and the cluster's
	 * catalogs) need, or {@link #all} where the manifest cannot tell: a backup of an
	 * older release or of PostgreSQL before 13, a database it did not list. A table the
	 * manifest does not list was created since the backup (recovery makes its files from
	 * the WAL) or renamed since, which {@link #leavesOut} shows once recovered.
	 * @param database the tables' database
	 * @param tables tables named as of the target
	 * @param schemas schemas whose every table is selected
	 */
	public static FileSelection forTables(BaseBackupManifest manifest, String database, List<QualifiedName> tables,
			List<String> schemas) {
		if (manifest.files() == null || manifest.relations() == null || manifest.databases() == null) {
			return every("the backup predates file-level restores");
		}
		if (manifest.source().serverVersionNum() < 130000) {
			// recovery over zeroed files needs ignore_invalid_pages (PostgreSQL 13)
			return every("PostgreSQL before 13");
		}
		Optional<Long> selected = manifest.databases()
			.stream()
			.filter((db) -> db.name().equals(database))
			.map(BaseBackupManifest.Database::oid)
			.findFirst();
		if (selected.isEmpty()) {
			return every("database " + database + " is not in the backup's list");
		}
		Set<Long> leftOut = new HashSet<>();
		for (RelationFile file : manifest.relations()) {
			if (file.database() == selected.get() && !serves(file, tables, schemas)) {
				leftOut.add(file.filenode());
			}
		}
		Set<Long> others = new HashSet<>();
		manifest.databases().stream().filter((db) -> db.oid() != selected.get()).forEach((db) -> others.add(db.oid()));
		return new FileSelection(database, selected.get(), Set.copyOf(others), Set.copyOf(leftOut), "the files of "
				+ leftOut.size() + " relations of other tables and of " + others.size() + " other databases left out");
	}

	private static boolean serves(RelationFile file, List<QualifiedName> tables, List<String> schemas) {
		return schemas.contains(file.schema()) || file.rootSchema() != null && schemas.contains(file.rootSchema())
				|| tables.stream().anyMatch((table) -> named(file, table));
	}

	private static boolean named(RelationFile file, QualifiedName table) {
		return file.schema().equals(table.schema()) && file.table().equals(table.name())
				|| table.schema().equals(file.rootSchema()) && table.name().equals(file.rootTable());
	}

	/** Whether this selection leaves any file out. */
	public boolean isPartial() {
		return this.database != null;
	}

	/**
	 * The database the tables are in, the only one the recovered cluster may be entered
	 * through; empty for {@link #all}.
	 */
	public Optional<String> database() {
		return Optional.ofNullable(this.database);
	}

	/** Whether the tar member at {@code path} is fetched. */
	public boolean fetches(String path) {
		if (!isPartial()) {
			return true;
		}
		Matcher matcher = RELATION_PATH.matcher(path);
		return !matcher.matches() || !leavesOut(Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2)));
	}

	/** Whether the file {@code base/<database>/<filenode>} is left out (zero-filled). */
	public boolean leavesOut(long database, long filenode) {
		return this.otherDatabases.contains(database)
				|| this.database != null && database == this.databaseOid && this.leftOut.contains(filenode);
	}

	@Override
	public String toString() {
		return this.description;
	}

}
