package dev.redoubt.core.error;

/**
 * The catalogue of failures Redoubt reports, each with a stable process exit status.
 *
 * <p>
 * Exit statuses are part of the CLI contract: scripts and schedulers branch on them, so a
 * code's number never changes once released. {@code 0} is success, {@code 1} an
 * unexpected internal error, {@code 2} a usage error reported by the command-line parser.
 */
public enum ErrorCode {

	/** A bug or an unexpected condition; the message and cause say more. */
	INTERNAL(1, "internal error"),

	/** Configuration is missing or invalid. */
	CONFIG_INVALID(3, "invalid configuration"),

	/** {@code --source} names no configured source. */
	UNKNOWN_SOURCE(4, "unknown source"),

	/** The PostgreSQL server could not be reached. */
	DATABASE_UNREACHABLE(5, "database unreachable"),

	/** The PostgreSQL server refused the credentials. */
	DATABASE_AUTH_FAILED(6, "database authentication failed"),

	/**
	 * The role lacks a privilege the operation needs (e.g. it cannot bypass row
	 * security).
	 */
	DATABASE_PERMISSION_DENIED(7, "database permission denied"),

	/** A storage region could not be reached. */
	REGION_UNREACHABLE(8, "storage region unreachable"),

	/** A storage region refused the credentials or the request. */
	REGION_ACCESS_DENIED(9, "storage region access denied"),

	/** The configured key cannot decrypt this backup. */
	WRONG_KEY(10, "wrong encryption key"),

	/** An object's bytes do not match the hash recorded when it was written. */
	CORRUPT_OBJECT(11, "corrupt object"),

	/** A manifest's signature does not verify. */
	SIGNATURE_INVALID(12, "manifest signature invalid"),

	/** The repository was written in a format version this build cannot read. */
	UNSUPPORTED_FORMAT_VERSION(13, "unsupported format version"),

	/** No complete backup matches the request. */
	BACKUP_NOT_FOUND(14, "backup not found"),

	/** The restore target already holds objects and the request did not allow that. */
	TARGET_NOT_EMPTY(15, "target not empty"),

	/** A PostgreSQL client tool is missing or older than the server. */
	PG_TOOL_UNSUITABLE(16, "unsuitable PostgreSQL client tool"),

	/** A PostgreSQL client tool (pg_dump, pg_restore) failed. */
	PG_TOOL_FAILED(17, "PostgreSQL client tool failed"),

	/** A lock on a table to back up could not be taken within the lock timeout. */
	LOCK_TIMEOUT(18, "lock timeout"),

	/** An object that must be written once already exists. */
	OBJECT_EXISTS(19, "object already exists"),

	/** A restore failed part way; the target is incomplete. */
	RESTORE_INCOMPLETE(20, "restore incomplete"),

	/** The operation was interrupted. */
	INTERRUPTED(21, "interrupted"),

	/** A verification ran to its end and at least one check failed. */
	VERIFICATION_FAILED(22, "verification failed"),

	/** The throwaway PostgreSQL for a verification could not be started. */
	SANDBOX_FAILED(23, "sandbox could not start"),

	/**
	 * {@code repo-check} found missing, corrupt or orphaned objects it did not repair.
	 */
	REPOSITORY_DAMAGED(24, "repository damaged"),

	/**
	 * A selective restore names a table the backup does not hold, or a row predicate that
	 * is not a valid read-only predicate on the table.
	 */
	INVALID_SELECTION(25, "invalid table or row selection"),

	/**
	 * A WAL file of that name is archived already with different content (two servers
	 * archiving to one source after a failover); nothing was overwritten.
	 */
	WAL_CONFLICT(26, "WAL file archived with different content"),

	/**
	 * The WAL archive cannot bring recovery to the requested point: a segment is missing
	 * while later ones exist, or the archive ends before the target.
	 */
	WAL_GAP(27, "WAL archive cannot reach the target"),

	/**
	 * Another service replica took this scheduled job over (this one was presumed dead):
	 * its manifest was not written.
	 */
	FENCED(28, "job taken over by another replica"),

	/**
	 * A validly signed manifest where it does not belong: it names another backup id or
	 * another source than where it was read, or its sequence is not above the backup
	 * before it (a rollback).
	 */
	MANIFEST_SUBSTITUTED(29, "manifest substituted or rolled back"),

	/**
	 * A storage region answered, and refused the request (a 4xx other than access denied
	 * or a missing object): a checksum that does not match ({@code BadDigest}), or a
	 * request the bucket's settings do not allow.
	 */
	REGION_REFUSED(30, "storage region refused the request"),

	/**
	 * The restore target runs an older PostgreSQL major version than the backup's source:
	 * a dump restores into the same or a newer major version only.
	 */
	TARGET_TOO_OLD(31, "target server older than the backup"),

	/**
	 * Another process holds the source's lease (a backup of the same source is running),
	 * or this backup lost its lease (it stalled past the lease's expiry and another
	 * writer may have taken over): nothing of this run was committed.
	 */
	SOURCE_BUSY(32, "source busy: another backup holds its lease"),

	/**
	 * A DR drill ran and failed: a target (RTO, RPO) missed, a check red, or the recovery
	 * from the surviving regions failed; each reason is named.
	 */
	DRILL_FAILED(33, "DR drill failed"),

	/**
	 * A DR drill could not run: the environment failed (no sandbox, no PostgreSQL
	 * binaries, no disk). Nothing is known about the backups.
	 */
	DRILL_NOT_RUN(34, "DR drill could not run"),

	/**
	 * A masking policy that cannot be used: unreadable, a transform unknown or unfit for
	 * its column's type, or (strict) a column of the backup it does not classify, which
	 * is how data leaks. Nothing was loaded.
	 */
	MASKING_POLICY(35, "masking policy refused");

	private final int exitCode;

	private final String summary;

	ErrorCode(int exitCode, String summary) {
		this.exitCode = exitCode;
		this.summary = summary;
	}

	/** The process exit status for this failure. */
	public int exitCode() {
		return this.exitCode;
	}

	/** A short lower-case phrase naming the kind of failure. */
	public String summary() {
		return this.summary;
	}

}
