package dev.redoubt.restore;

import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Queue;
import java.util.function.Consumer;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import dev.redoubt.core.codec.ChunkDecoder;
import dev.redoubt.core.codec.CorruptDataException;
import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.CopyText;
import dev.redoubt.core.repository.Repository;

/**
 * One restore worker: fetches chunks (first healthy region, stored hash verified),
 * decodes them (GCM tags and the keyed plaintext hash verified while reading) and loads
 * each with {@code COPY FROM} in a transaction of its own, so a chunk is either wholly
 * loaded or not at all: a hash mismatch found at the end of a chunk rolls its rows back.
 */
final class ChunkLoader {

	private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ChunkLoader.class);

	private final Repository repository;

	private final byte[] dataKey;

	private final ConnectionSpec target;

	private final Consumer<LoadTask> loaded;

	private final boolean stopOnRowCountMismatch;

	ChunkLoader(Repository repository, byte[] dataKey, ConnectionSpec target, Consumer<LoadTask> loaded,
			boolean stopOnRowCountMismatch) {
		this.repository = repository;
		this.dataKey = dataKey;
		this.target = target;
		this.loaded = loaded;
		this.stopOnRowCountMismatch = stopOnRowCountMismatch;
	}

	void drain(Queue<LoadTask> tasks) {
		try (Connection connection = this.target.open("redoubt restore worker")) {
			prepare(connection);
			CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
			LoadTask task;
			while ((task = tasks.poll()) != null) {
				if (Thread.currentThread().isInterrupted()) {
					throw new RedoubtException(ErrorCode.INTERRUPTED, "restore interrupted");
				}
				load(connection, copy, task);
				this.loaded.accept(task);
			}
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
					"loading into database " + this.target.database() + " failed: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Readies a loading session: the {@code COPY} text settings, and no wait for the WAL
	 * flush at commit (losing the last loaded chunks in a server crash only means
	 * restoring again, which any failed restore means anyway).
	 */
	static void prepare(Connection connection) throws SQLException {
		CopyText.applySessionSettings(connection);
		try (Statement statement = connection.createStatement()) {
			statement.execute("SET synchronous_commit = off");
		}
		connection.setAutoCommit(false);
	}

	private void load(Connection connection, CopyManager copy, LoadTask task) throws SQLException {
		byte[] stored = this.repository.readChunk(task.chunk());
		try (InputStream rows = ChunkDecoder.open(stored, this.dataKey, this.repository.keys().chunkIdKey(),
				task.chunk().id())) {
			long count;
			if (task.table() == null) {
				count = loadLargeObjects(connection, copy, rows);
			}
			else {
				String columns = String.join(", ", task.table().columns().stream().map(TableEntry::quote).toList());
				count = copy.copyIn("COPY " + task.table().qualifiedName() + " (" + columns + ") FROM STDIN", rows);
			}
			if (count != task.chunk().rows()) {
				String message = "object " + task.chunk().key() + " loaded " + count + " rows into " + task.what()
						+ ", the manifest records " + task.chunk().rows();
				if (this.stopOnRowCountMismatch) {
					throw new RedoubtException(ErrorCode.CORRUPT_OBJECT, message);
				}
				log.warn(message);
			}
			connection.commit();
		}
		catch (CorruptDataException ex) {
			connection.rollback();
			throw new RedoubtException(ErrorCode.CORRUPT_OBJECT,
					"object " + task.chunk().key() + " (" + task.what() + ") cannot be decoded: " + ex.getMessage(),
					ex);
		}
		catch (IOException | SQLException | RuntimeException ex) {
			connection.rollback();
			if (ex instanceof RedoubtException redoubt) {
				throw redoubt;
			}
			if (ex.getCause() instanceof CorruptDataException corrupt) {
				throw new RedoubtException(ErrorCode.CORRUPT_OBJECT, "object " + task.chunk().key() + " (" + task.what()
						+ ") cannot be decoded: " + corrupt.getMessage(), ex);
			}
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
					"loading object " + task.chunk().key() + " into " + task.what() + " failed: " + ex.getMessage(),
					ex);
		}
	}

	private static long loadLargeObjects(Connection connection, CopyManager copy, InputStream rows)
			throws SQLException, IOException {
		try (Statement statement = connection.createStatement()) {
			statement.execute("CREATE TEMP TABLE IF NOT EXISTS redoubt_large_objects (loid oid, data bytea)"
					+ " ON COMMIT DELETE ROWS");
			long count = copy.copyIn("COPY redoubt_large_objects (loid, data) FROM STDIN", rows);
			statement.execute("SELECT pg_catalog.lo_from_bytea(loid, data) FROM redoubt_large_objects");
			return count;
		}
	}

}
