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

	private final dev.redoubt.restore.mask.MaskPlan mask;

	/**
	 * @param mask the masking of the rows, or {@code null}
	 */
	ChunkLoader(Repository repository, byte[] dataKey, ConnectionSpec target, Consumer<LoadTask> loaded,
			boolean stopOnRowCountMismatch, dev.redoubt.restore.mask.MaskPlan mask) {
		this.repository = repository;
		this.dataKey = dataKey;
		this.target = target;
		this.loaded = loaded;
		this.stopOnRowCountMismatch = stopOnRowCountMismatch;
		this.mask = mask;
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
				count = loadLargeObjects(connection, copy, rows, task.largeObjectOwners());
			}
			else {
				count = copy.copyIn(
						CopyText.copyFromStdin(task.table().qualifiedName(),
								task.table().columns().stream().map(TableEntry::quote).toList()),
						(this.mask != null) ? this.mask.mask(task.table(), rows) : rows);
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

	/**
	 * Creates the large objects of one chunk, and gives each its owner and grants as
	 * pg_dump would ({@code ALTER LARGE OBJECT ... OWNER TO}, then one {@code GRANT} per
	 * {@code aclitem}); a role the target cluster lacks leaves the object owned by the
	 * restoring role, with a warning, as pg_restore leaves it with an error.
	 */
	private static long loadLargeObjects(Connection connection, CopyManager copy, InputStream rows,
			boolean ownersAndGrants) throws SQLException, IOException {
		try (Statement statement = connection.createStatement()) {
			statement.execute("CREATE TEMP TABLE IF NOT EXISTS redoubt_large_objects"
					+ " (loid oid, data bytea, owner name, acl text) ON COMMIT DELETE ROWS");
			long count = copy.copyIn(
					"COPY redoubt_large_objects (loid, data" + (ownersAndGrants ? ", owner, acl" : "") + ") FROM STDIN",
					rows);
			statement.execute("SELECT pg_catalog.lo_from_bytea(loid, data) FROM redoubt_large_objects");
			if (ownersAndGrants) {
				statement.execute(LARGE_OBJECT_OWNERS_AND_GRANTS);
			}
			return count;
		}
	}

	private static final String LARGE_OBJECT_OWNERS_AND_GRANTS = """
			DO $redoubt$
			DECLARE
			  lo record;
			  item record;
			BEGIN
			  FOR lo IN SELECT loid, owner, acl FROM redoubt_large_objects ORDER BY loid LOOP
			    IF lo.owner IS NOT NULL THEN
			      IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = lo.owner) THEN
			        EXECUTE format('ALTER LARGE OBJECT %s OWNER TO %I', lo.loid, lo.owner);
			      ELSE
			        RAISE WARNING 'large object %: role % does not exist; left owned by %', lo.loid, lo.owner, current_user;
			        CONTINUE;
			      END IF;
			    END IF;
			    IF lo.acl IS NOT NULL THEN
			      EXECUTE format('REVOKE ALL ON LARGE OBJECT %s FROM PUBLIC', lo.loid);
			      EXECUTE format('REVOKE ALL ON LARGE OBJECT %s FROM %I', lo.loid, coalesce(lo.owner, current_user));
			      FOR item IN SELECT g->>'grantee' AS grantee, g->>'privilege' AS privilege, (g->>'grantable')::boolean AS grantable
			          FROM pg_catalog.json_array_elements(lo.acl::json) g LOOP
			        IF item.privilege NOT IN ('SELECT', 'UPDATE') THEN
			          RAISE EXCEPTION 'large object %: unknown privilege %', lo.loid, item.privilege;
			        ELSIF item.grantee IS NOT NULL
			            AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = item.grantee) THEN
			          RAISE WARNING 'large object %: role % does not exist; % not granted', lo.loid, item.grantee, item.privilege;
			        ELSE
			          EXECUTE format('GRANT %s ON LARGE OBJECT %s TO %s%s', item.privilege, lo.loid,
			              CASE WHEN item.grantee IS NULL THEN 'PUBLIC' ELSE quote_ident(item.grantee) END,
			              CASE WHEN item.grantable THEN ' WITH GRANT OPTION' ELSE '' END);
			        END IF;
			      END LOOP;
			    END IF;
			  END LOOP;
			END
			$redoubt$""";

}
