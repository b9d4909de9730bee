package dev.redoubt.service.checkpoint;

import java.time.Instant;

import dev.redoubt.core.manifest.Manifest.SchemaVersion;

/**
 * A named safety point: {@code pg_create_restore_point(name)} on the source, the WAL
 * segment that holds it archived in every region before it was recorded.
 *
 * @param name the restore point's name
 * @param source the source it belongs to
 * @param createdAt the server's clock when it was created
 * @param lsn the restore point's position, where a recovery to it stops
 * @param segment the WAL segment holding it, archived in every region
 * @param database the database whose schema version was read
 * @param schemaVersion the newest migration recorded there (Flyway, Liquibase, Rails or
 * the configured table), or {@code null} if none
 */
public record Checkpoint(String name, String source, Instant createdAt, String lsn, String segment, String database,
		SchemaVersion schemaVersion) {

	/** The schema version as people read it: {@code 42 (flyway)}, or {@code none}. */
	public String describeVersion() {
		return describe(this.schemaVersion);
	}

	public static String describe(SchemaVersion version) {
		return (version == null) ? "none" : version.version() + " (" + version.tool() + ")";
	}

}
