package dev.redoubt.restore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.pg.ToolProcess;

/**
 * Runs {@code pg_restore} for the pre-data and post-data sections of the schema archive.
 * The archive (DDL only, no rows) is written to a private temporary file because a
 * parallel post-data restore ({@code -j}) needs a seekable archive.
 */
final class SchemaRestorer implements AutoCloseable {

	private final Path directory;

	private final Path archive;

	private final Path pgRestore;

	private final ConnectionSpec target;

	private final RestoreOptions options;

	SchemaRestorer(byte[] schemaArchive, int targetMajor, ConnectionSpec target, RestoreOptions options) {
		this.pgRestore = PgTools.find("pg_restore", targetMajor);
		this.target = target;
		this.options = options;
		try {
			this.directory = Files.createTempDirectory("redoubt-schema",
					PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
			this.archive = this.directory.resolve("schema.dump");
			Files.write(this.archive, schemaArchive);
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot write the schema archive to a temporary file: " + ex,
					ex);
		}
	}

	void preData() {
		run("pre-data", 1);
	}

	void postData() {
		run("post-data", this.options.jobs());
	}

	private void run(String section, int jobs) {
		List<String> command = new ArrayList<>(List.of(this.pgRestore.toString(), "--section=" + section,
				"--exit-on-error", "--no-password", "--jobs=" + jobs));
		if (this.options.noOwner()) {
			command.add("--no-owner");
		}
		this.target.libpqArguments().forEach((option, value) -> command.add(option + "=" + value));
		command.add(this.archive.toString());
		try {
			ToolProcess.run(command, this.target.libpqEnvironment(), "pg_restore --section=" + section);
		}
		catch (RedoubtException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
					"restoring the " + section + " schema into database " + this.target.database() + " failed: "
							+ ex.getMessage(),
					section.equals("pre-data")
							? "restore into an empty database, or pass --no-owner if roles of the source do not exist here"
							: null,
					ex);
		}
	}

	@Override
	public void close() {
		try {
			Files.deleteIfExists(this.archive);
			Files.deleteIfExists(this.directory);
		}
		catch (IOException ex) {
			// a temporary file holding DDL only
		}
	}

}
