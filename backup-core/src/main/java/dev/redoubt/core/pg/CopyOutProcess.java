package dev.redoubt.core.pg;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * One {@code COPY ... TO STDOUT} run by {@code psql} inside the coordinator's exported
 * snapshot, its output read as a byte stream.
 *
 * <p>
 * Why psql and not the JDBC driver's COPY API: pgjdbc hands out one array per row and
 * reaches ~130 MB/s per session on a full core, which made COPY the most expensive stage
 * of a backup; libpq in psql streams the same bytes for a tenth of the CPU, and splitting
 * the stream into rows in Java is a cheap scan for newlines (in COPY text a newline
 * inside a value is escaped, so every raw newline ends a row).
 */
public final class CopyOutProcess implements AutoCloseable {

	private final Process process;

	private final CompletableFuture<String> errors;

	private final String what;

	private final LibpqConnection connection;

	private CopyOutProcess(Process process, String what, LibpqConnection connection) {
		this.process = process;
		this.what = what;
		this.connection = connection;
		this.errors = ToolProcess.collect(process.getErrorStream(), "psql");
	}

	/**
	 * Starts {@code copySql} in a read-only repeatable-read transaction, inside the
	 * exported snapshot {@code snapshotId} when one is given.
	 */
	public static CopyOutProcess start(Path psql, ConnectionSpec source, String snapshotId, String copySql,
			String applicationName) {
		return start(psql, source, snapshotId, copySql, applicationName, null);
	}

	/**
	 * As {@link #start(Path, ConnectionSpec, String, String, String)}, waiting at most
	 * {@code lockTimeout} for the table's lock: a session of a backup queues behind a DDL
	 * statement that waits for the coordinator's lock, and must fail, not stall.
	 */
	public static CopyOutProcess start(Path psql, ConnectionSpec source, String snapshotId, String copySql,
			String applicationName, java.time.Duration lockTimeout) {
		LibpqConnection connection = LibpqConnection.prepare(source, applicationName);
		List<String> command = new ArrayList<>(List.of(psql.toString(), "-X", "-q", "--no-password", "-v",
				"ON_ERROR_STOP=1", connection.dbnameArgument()));
		// SET TRANSACTION SNAPSHOT must be the transaction's first statement;
		// row_security
		// off makes a role that cannot bypass row security fail instead of reading
		// filtered rows
		command.addAll(List.of("-c", "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
		if (snapshotId != null) {
			command.addAll(List.of("-c", "SET TRANSACTION SNAPSHOT '" + snapshotId + "'"));
		}
		String lockWait = (lockTimeout == null) ? ""
				: " SET lock_timeout = " + Math.max(1, lockTimeout.toMillis()) + ";";
		command.addAll(List.of("-c", "SET row_security = off;" + lockWait + " " + CopyText.SESSION_SETTINGS, "-c",
				copySql, "-c", "COMMIT"));
		ProcessBuilder builder = connection.processBuilder(command);
		try {
			Process process = builder.start();
			process.getOutputStream().close();
			return new CopyOutProcess(process, copySql, connection);
		}
		catch (IOException ex) {
			connection.close();
			throw new RedoubtException(ErrorCode.PG_TOOL_UNSUITABLE, "cannot start " + psql + ": " + ex.getMessage(),
					ex);
		}
	}

	public InputStream rows() {
		return this.process.getInputStream();
	}

	/** Waits for psql to exit and turns a failure into a catalogued error. */
	public void finish(String username) {
		int status;
		try {
			status = this.process.waitFor();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RedoubtException(ErrorCode.INTERRUPTED, "interrupted while copying");
		}
		if (status != 0) {
			String message = ToolProcess.tail(this.errors.join());
			if (message.contains("row-level security")) {
				throw new RedoubtException(ErrorCode.DATABASE_PERMISSION_DENIED,
						"role " + username + " cannot read every row: " + message,
						"a backup never filters rows silently: give the role BYPASSRLS (or use the table owner or a superuser)",
						null);
			}
			if (message.contains("lock timeout")) {
				throw lockTimeout(message, null);
			}
			if (message.contains("permission denied")) {
				throw new RedoubtException(ErrorCode.DATABASE_PERMISSION_DENIED, "role " + username + ": " + message);
			}
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE, "COPY failed (" + this.what + "): " + message);
		}
	}

	/**
	 * A backup session gave up waiting for a table's lock: a schema change is queued
	 * behind the backup's own locks.
	 */
	public static RedoubtException lockTimeout(String message, java.time.Duration waited) {
		return new RedoubtException(ErrorCode.LOCK_TIMEOUT,
				"a session of the backup could not lock a table"
						+ ((waited != null) ? " within " + waited.toMillis() + " ms" : "") + ": " + message,
				"an ALTER or DROP is waiting for the backup's locks; run the backup again after it, or schedule"
						+ " schema changes outside backups (redoubt.backup.lock-timeout)",
				null);
	}

	@Override
	public void close() {
		if (this.process.isAlive()) {
			this.process.destroyForcibly();
		}
		this.connection.close();
	}

}
