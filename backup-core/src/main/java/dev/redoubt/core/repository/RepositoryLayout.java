package dev.redoubt.core.repository;

/**
 * Object keys of a repository, relative to each region's prefix:
 *
 * <pre>
 * &lt;source&gt;/backups/&lt;backup id&gt;/lock            in-progress marker, written first, deleted last
 * &lt;source&gt;/backups/&lt;backup id&gt;/chunks/&lt;chunk id&gt;  schema archive and row chunks (format 1)
 * &lt;source&gt;/chunks/&lt;chunk id&gt;                     chunks shared by the logical backups (format 2)
 * &lt;source&gt;/backups/&lt;backup id&gt;/manifest        written last; its presence makes the backup exist
 * &lt;source&gt;/backups/&lt;backup id&gt;/verifications/&lt;finished&gt;-&lt;region&gt;.json  signed verification records
 * &lt;source&gt;/drills/&lt;disaster time&gt;-&lt;type&gt;.json   signed DR drill records
 * </pre>
 */
public final class RepositoryLayout {

	static final String LOCK = "lock";

	static final String MANIFEST = "manifest";

	private RepositoryLayout() {
	}

	public static String backupsPrefix(String source) {
		return source + "/backups/";
	}

	public static String backupPrefix(String source, BackupId id) {
		return backupsPrefix(source) + id + "/";
	}

	public static String lock(String source, BackupId id) {
		return backupPrefix(source, id) + LOCK;
	}

	public static String manifest(String source, BackupId id) {
		return backupPrefix(source, id) + MANIFEST;
	}

	public static String verificationsPrefix(String source, BackupId id) {
		return backupPrefix(source, id) + "verifications/";
	}

	public static String verification(String source, BackupId id, String finished, String region) {
		return verificationsPrefix(source, id) + finished + "-" + region + ".json";
	}

	public static String drillsPrefix(String source) {
		return source + "/drills/";
	}

	public static String drill(String source, String name) {
		return drillsPrefix(source) + name + ".json";
	}

	/** Where chunks shared by the backups of {@code source} live. */
	public static String sharedChunksPrefix(String source) {
		return source + "/chunks/";
	}

	/** A chunk that any backup of {@code source} may reference. */
	public static String sharedChunk(String source, String chunkId) {
		return sharedChunksPrefix(source) + chunkId;
	}

	public static String chunk(String source, BackupId id, String chunkId) {
		return backupPrefix(source, id) + "chunks/" + chunkId;
	}

}
