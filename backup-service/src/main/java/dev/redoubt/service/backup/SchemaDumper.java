package dev.redoubt.service.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.redoubt.core.codec.ChunkEncoder;
import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.CopyOutProcess;
import dev.redoubt.core.pg.LibpqConnection;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.pg.ServerVersion;
import dev.redoubt.core.pg.ToolProcess;
import dev.redoubt.core.repository.BackupWriter;

/**
 * Dumps the schema with {@code pg_dump --schema-only -Fc} in the coordinator's snapshot
 * and streams the archive straight into a chunk; pg_dump is the trusted source of DDL.
 */
final class SchemaDumper {

	private SchemaDumper() {
	}

	/**
	 * A pg_dump at least as new as the server: the configured one or the closest found.
	 */
	static Path pgDump(Path configured, ServerVersion server) {
		if (configured == null) {
			return PgTools.find("pg_dump", server.major());
		}
		ServerVersion tool = PgTools.version(configured);
		if (tool.major() < server.major()) {
			throw new RedoubtException(ErrorCode.PG_TOOL_UNSUITABLE,
					"pg_dump " + configured + " is version " + tool + ", older than the server (" + server + ")",
					"use pg_dump of PostgreSQL " + server.major() + " or newer", null);
		}
		return configured;
	}

	/**
	 * Dumps the schema inside the coordinator's snapshot. pg_dump takes its own
	 * {@code ACCESS SHARE} locks, which queue behind a DDL statement that is waiting for
	 * the coordinator's: it waits {@code lockTimeout} at most, then the backup fails with
	 * {@code LOCK_TIMEOUT} instead of stalling (and stalling every query on that table).
	 */
	static ChunkRef dump(Path pgDump, ConnectionSpec source, String snapshotId, ChunkEncoder encoder,
			BackupWriter writer, java.time.Duration lockTimeout) {
		try (LibpqConnection connection = LibpqConnection.prepare(source, "redoubt backup schema")) {
			ProcessBuilder builder = connection.processBuilder(List.of(pgDump.toString(), "--schema-only",
					"--format=custom", "--snapshot=" + snapshotId, "--no-password",
					"--lock-wait-timeout=" + Math.max(1, lockTimeout.toMillis()), connection.dbnameArgument()));
			Process process = builder.start();
			process.getOutputStream().close();
			CompletableFuture<String> errors = ToolProcess.collect(process.getErrorStream(), "pg_dump");
			encoder.begin();
			byte[] buffer = new byte[64 * 1024];
			try (InputStream archive = process.getInputStream()) {
				int n;
				while ((n = archive.read(buffer)) != -1) {
					encoder.write(buffer, 0, n);
				}
			}
			int status = process.waitFor();
			if (status != 0) {
				String output = ToolProcess.tail(errors.join());
				// pg_dump bounds its LOCK TABLE with a statement timeout
				if (output.contains("could not obtain lock")
						|| output.contains("statement timeout") && output.contains("LOCK TABLE")) {
					throw CopyOutProcess.lockTimeout(output, lockTimeout);
				}
				throw new RedoubtException(ErrorCode.PG_TOOL_FAILED,
						"pg_dump --schema-only failed with exit status " + status + ": " + output);
			}
			return writer.storeChunk(encoder.finish(), 0, null, null, null);
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.PG_TOOL_FAILED, "cannot run " + pgDump + ": " + ex.getMessage(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RedoubtException(ErrorCode.INTERRUPTED, "interrupted while pg_dump was running");
		}
	}

}
