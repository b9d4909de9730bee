package dev.redoubt.service.wal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.LibpqConnection;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.pg.ServerVersion;
import dev.redoubt.core.pg.ToolProcess;
import dev.redoubt.core.wal.WalNames;

/**
 * The receiving half of {@code wal-stream}: {@code pg_receivewal} on a physical
 * replication slot, writing into a directory, started again (after a growing pause, up to
 * 30 s) whenever it exits; and the slot's state as the server sees it. The password
 * reaches {@code pg_receivewal} in a password file, never on its command line or in its
 * environment ({@link LibpqConnection}).
 */
public final class WalReceiver implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(WalReceiver.class);

	/** What PostgreSQL accepts as a replication slot's name. */
	private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");

	private static final long MAX_PAUSE_MILLIS = 30_000;

	private final ConnectionSpec connection;

	private final Path directory;

	private final String slot;

	private final Path program;

	private final LibpqConnection libpq;

	private Process process;

	private long restartAt;

	private long pause = 1000;

	private Connection monitor;

	/** The slot as the server sees it; a position of -1 is not known. */
	public record SlotState(long serverPosition, long restartPosition, String walStatus, long safeBytes) {

		public boolean lost() {
			return "lost".equals(this.walStatus);
		}

	}

	/**
	 * Checks the slot's name and the server, and finds a {@code pg_receivewal} as new as
	 * the server.
	 */
	public WalReceiver(ConnectionSpec connection, Path directory, String slot) {
		this.connection = connection;
		this.directory = directory;
		this.slot = requireSlotName(slot);
		this.program = PgTools.find("pg_receivewal", serverVersion().major());
		this.libpq = LibpqConnection.prepare(connection, "redoubt wal-stream");
	}

	public String slot() {
		return this.slot;
	}

	/** The slot name PostgreSQL would accept, or {@code CONFIG_INVALID}. */
	public static String requireSlotName(String slot) {
		if (slot == null || !SLOT_NAME.matcher(slot).matches()) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"'" + slot + "' is not a replication slot name: 1 to 63 lower-case letters, digits or underscores");
		}
		return slot;
	}

	/**
	 * The default slot of a source: {@code redoubt_} and the source's name, made legal.
	 */
	public static String defaultSlot(String source) {
		String name = "redoubt_" + source.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
		return name.substring(0, Math.min(63, name.length()));
	}

	private ServerVersion serverVersion() {
		try (Connection db = this.connection.open("redoubt wal-stream");
				Statement statement = db.createStatement();
				ResultSet row = statement.executeQuery("SELECT current_setting('server_version_num')::int")) {
			row.next();
			return new ServerVersion(row.getInt(1));
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"cannot reach the source's server: " + ex.getMessage(), ex);
		}
	}

	/** Creates the physical slot unless it exists; it keeps WAL until it is received. */
	public void createSlot() {
		List<String> command = List.of(this.program.toString(), "--create-slot", "--if-not-exists",
				"--slot=" + this.slot, "--no-password", this.libpq.dbnameArgument());
		try {
			Process create = this.libpq.processBuilder(command).start();
			create.getOutputStream().close();
			String output = new String(create.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
			if (create.waitFor() != 0) {
				throw new RedoubtException(ErrorCode.PG_TOOL_FAILED,
						"cannot create the replication slot " + this.slot + ": " + ToolProcess.tail(output),
						"the source's user needs the REPLICATION attribute, the server max_replication_slots > 0 "
								+ "and wal_level = replica",
						null);
			}
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.PG_TOOL_FAILED, "cannot run " + this.program + ": " + ex.getMessage(),
					ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RedoubtException(ErrorCode.INTERRUPTED, "interrupted while creating the replication slot");
		}
	}

	/**
	 * Starts {@code pg_receivewal} if it is not running and its pause is over.
	 * @return whether it runs now
	 */
	public boolean keepRunning() {
		if (this.process != null && this.process.isAlive()) {
			return true;
		}
		long now = System.currentTimeMillis();
		if (this.process != null) {
			log.warn("pg_receivewal exited with status {}; starting it again in {} s", this.process.exitValue(),
					this.pause / 1000);
			this.restartAt = now + this.pause;
			this.pause = Math.min(MAX_PAUSE_MILLIS, this.pause * 2);
			this.process = null;
		}
		if (now < this.restartAt) {
			return false;
		}
		List<String> command = new ArrayList<>(
				List.of(this.program.toString(), "--directory=" + this.directory, "--slot=" + this.slot,
						"--no-password", "--no-loop", "--status-interval=1", this.libpq.dbnameArgument()));
		try {
			Process started = this.libpq.processBuilder(command).redirectErrorStream(true).start();
			started.getOutputStream().close();
			Thread reader = new Thread(() -> relay(started), "redoubt-pg-receivewal");
			reader.setDaemon(true);
			reader.start();
			this.process = started;
			log.info("pg_receivewal receives WAL on slot {} into {}", this.slot, this.directory);
			return true;
		}
		catch (IOException ex) {
			log.warn("cannot start {}: {}", this.program, ex.getMessage());
			this.restartAt = now + this.pause;
			return false;
		}
	}

	/**
	 * What pg_receivewal says, in this process's log; a good stretch resets the pause.
	 */
	private void relay(Process from) {
		try (BufferedReader lines = new BufferedReader(
				new InputStreamReader(from.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = lines.readLine()) != null) {
				if (line.contains("error") || line.contains("could not")) {
					log.warn("{}", line);
				}
				else {
					log.info("{}", line);
					this.pause = 1000;
				}
			}
		}
		catch (IOException ex) {
			// the process ended
		}
	}

	/**
	 * The slot as the server sees it now, or {@code null} if the server cannot be asked
	 * (asked again next time).
	 */
	public SlotState slotState() {
		try {
			if (this.monitor == null || this.monitor.isClosed()) {
				this.monitor = this.connection.open("redoubt wal-stream");
			}
			try (PreparedStatement query = this.monitor.prepareStatement(
					"SELECT pg_current_wal_lsn()::text, s.restart_lsn::text, s.wal_status, s.safe_wal_size"
							+ " FROM (SELECT 1) AS one LEFT JOIN pg_replication_slots s ON s.slot_name = ?")) {
				query.setString(1, this.slot);
				try (ResultSet row = query.executeQuery()) {
					row.next();
					long safe = row.getLong(4);
					if (row.wasNull()) {
						safe = -1;
					}
					String restart = row.getString(2);
					return new SlotState(WalNames.parseLsn(row.getString(1)),
							(restart == null) ? -1 : WalNames.parseLsn(restart), row.getString(3), safe);
				}
			}
		}
		catch (SQLException ex) {
			log.debug("cannot read the slot's state: {}", ex.getMessage());
			closeMonitor();
			return null;
		}
	}

	private void closeMonitor() {
		try {
			if (this.monitor != null) {
				this.monitor.close();
			}
		}
		catch (SQLException ex) {
			// closing anyway
		}
		this.monitor = null;
	}

	/**
	 * Stops {@code pg_receivewal} (SIGTERM: it writes out what it received and exits) and
	 * removes its password file.
	 */
	@Override
	public void close() {
		try {
			if (this.process != null && this.process.isAlive()) {
				this.process.destroy();
				if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
					this.process.destroyForcibly();
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.process.destroyForcibly();
		}
		finally {
			closeMonitor();
			this.libpq.close();
		}
	}

}
