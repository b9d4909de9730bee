package dev.redoubt.service.cli;

/** The exit statuses, as every command's help lists them (from the error catalogue). */
final class ExitCodes {

	static final String TEXT = "  0  success%n" + "  1  internal error%n" + "  2  usage error%n"
			+ "  3  invalid configuration%n" + "  4  unknown source%n" + "  5  database unreachable%n"
			+ "  6  database authentication failed%n" + "  7  database permission denied (e.g. row security)%n"
			+ "  8  storage region unreachable%n" + "  9  storage region access denied%n"
			+ " 10  wrong encryption key%n" + " 11  corrupt object%n" + " 12  manifest signature invalid%n"
			+ " 13  unsupported repository format version%n" + " 14  backup not found%n" + " 15  target not empty%n"
			+ " 16  unsuitable PostgreSQL client tool (missing, or older than the server)%n"
			+ " 17  PostgreSQL client tool failed%n" + " 18  lock timeout%n" + " 19  object already exists%n"
			+ " 20  restore incomplete%n" + " 21  interrupted%n"
			+ " 22  verification failed (a check turned red; the backup is not marked verified)%n"
			+ " 23  verification could not run: the sandbox could not start%n"
			+ " 24  repo-check found missing, corrupt or orphaned objects it did not repair%n"
			+ " 25  invalid selection: no such table in the backup, or not a valid predicate on it%n"
			+ " 26  a WAL file of that name is archived with different content (nothing overwritten)%n"
			+ " 27  the WAL archive cannot reach the recovery target (a gap, or it ends too early)%n"
			+ " 28  a scheduled job was taken over by another replica%n"
			+ " 29  a signed manifest where it does not belong, or out of sequence%n"
			+ " 30  a storage region refused the request (e.g. a checksum mismatch)%n"
			+ " 31  the restore target runs an older PostgreSQL than the backup%n"
			+ " 32  the source is busy: another backup holds its lease (or this one lost it)%n"
			+ " 33  a DR drill failed: a target missed, a check red, or no recovery from the surviving regions%n"
			+ " 34  a DR drill could not run: no sandbox, no PostgreSQL binaries, no disk%n"
			+ " 35  a masking policy refused: unreadable, a transform unfit for its column, or a column it "
			+ "does not classify";

	private ExitCodes() {
	}

}
