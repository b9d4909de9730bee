package dev.redoubt.service.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.restore.physical.RecoveryTarget;
import picocli.CommandLine.Option;

/**
 * The options of {@code restore --type physical} and of a table restore as of a point in
 * time ({@code --as-of}, or any target option with {@code --table}).
 */
public class RecoveryTargetOptions {

	@Option(names = "--type", paramLabel = "TYPE", defaultValue = "logical",
			description = "logical (default) or physical: recover the whole cluster from a base backup and the WAL "
					+ "archive into --data-dir.")
	String type;

	@Option(names = "--data-dir", paramLabel = "DIR",
			description = "With --type physical: an empty or absent directory for the recovered cluster.")
	Path dataDirectory;

	@Option(names = "--to-time", paramLabel = "TIME",
			description = "Recover to this time (with a zone: 2026-12-02T14:31:00Z); commits after it are not replayed.")
	String toTime;

	@Option(names = "--to-lsn", paramLabel = "LSN", description = "Recover to this WAL position (16/B374D848).")
	String toLsn;

	@Option(names = "--to-xid", paramLabel = "XID", description = "Recover to the commit of this transaction.")
	String toXid;

	@Option(names = "--before-xid", paramLabel = "XID",
			description = "Recover to just before this transaction: every transaction that committed before it, "
					+ "not it (redoubt incident lists the ones that touched a table).")
	String beforeXid;

	@Option(names = "--to-name", paramLabel = "NAME",
			description = "Recover to this restore point (pg_create_restore_point).")
	String toName;

	@Option(names = "--latest", description = "Recover to the end of the archive (the default of --type physical).")
	boolean latest;

	@Option(names = "--as-of", paramLabel = "TIME|CHECKPOINT",
			description = "With --table: the table as it was at this time, or at this checkpoint (redoubt "
					+ "checkpoint), by point-in-time recovery into a throwaway cluster, then the selective restore "
					+ "from it.")
	String asOf;

	boolean physical() {
		if (!"logical".equals(this.type) && !"physical".equals(this.type)) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"--type must be logical or physical, not '" + this.type + "'");
		}
		return "physical".equals(this.type);
	}

	/** The one target given, {@link RecoveryTarget#latest()} if none. */
	RecoveryTarget target() {
		List<RecoveryTarget> given = new ArrayList<>();
		if (this.toTime != null) {
			given.add(RecoveryTarget.time(this.toTime));
		}
		if (this.toLsn != null) {
			given.add(RecoveryTarget.lsn(this.toLsn));
		}
		if (this.toXid != null) {
			given.add(RecoveryTarget.xid(this.toXid));
		}
		if (this.beforeXid != null) {
			given.add(RecoveryTarget.beforeXid(this.beforeXid));
		}
		if (this.toName != null) {
			given.add(RecoveryTarget.name(this.toName));
		}
		if (this.latest) {
			given.add(RecoveryTarget.latest());
		}
		if (this.asOf != null) {
			given.add(RecoveryTarget.time(this.asOf));
		}
		if (given.size() > 1) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "give one of --as-of, --to-time, --to-lsn, --to-xid, "
					+ "--before-xid, --to-name, --latest, not " + given.size());
		}
		return given.isEmpty() ? RecoveryTarget.latest() : given.get(0);
	}

	/**
	 * Whether any point-in-time target was given (a table restore then recovers to it).
	 */
	boolean anyTarget() {
		return this.toTime != null || this.toLsn != null || this.toXid != null || this.beforeXid != null
				|| this.toName != null || this.latest || this.asOf != null;
	}

}
