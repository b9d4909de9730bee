package dev.redoubt.restore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.LibpqConnection;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.pg.ToolProcess;
import dev.redoubt.core.store.local.DirectoryTree;

/**
 * Runs {@code pg_restore} for the pre-data and post-data sections of the schema archive.
 * The archive (DDL only, no rows) is written to a private temporary file because a
 * parallel post-data restore ({@code -j}) needs a seekable archive.
 */
final class SchemaRestorer implements AutoCloseable {

	/**
	 * A table-of-contents line of a foreign key:
	 * {@code 3416; 2606 16460 FK CONSTRAINT ...}.
	 */
	private static final Pattern FK_ENTRY = Pattern.compile("^\\d+; \\d+ \\d+ FK CONSTRAINT ");

	/**
	 * The start of a table-of-contents line, up to its entry type:
	 * {@code 3416; 2606 16460 }.
	 */
	private static final Pattern TOC_ENTRY = Pattern.compile("^\\d+; \\d+ \\d+ ");

	private final Path directory;

	private final Path archive;

	private final Path pgRestore;

	private final ConnectionSpec target;

	private final RestoreOptions options;

	SchemaRestorer(byte[] schemaArchive, int targetMajor, ConnectionSpec target, RestoreOptions options) {
		this.pgRestore = PgTools.find("pg_restore", targetMajor);
		this.target = target;
		this.options = options;
		this.directory = DirectoryTree.createPrivateTemp("redoubt-schema");
		try {
			this.archive = this.directory.resolve("schema.dump");
			Files.write(this.archive, schemaArchive);
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot write the schema archive to a temporary file: " + ex,
					ex);
		}
	}

	void preData() {
		run("pre-data", 1, null);
	}

	void postData() {
		run("post-data", this.options.jobs(), null);
	}

	/**
	 * Restores the post-data section except its foreign keys, and returns those: a
	 * verifier adds them one at a time to report every violated key, where
	 * {@code pg_restore} would stop at the first.
	 */
	List<ForeignKeyDefinition> postDataWithoutForeignKeys() {
		String toc = ToolProcess.run(List.of(this.pgRestore.toString(), "-l", this.archive.toString()), Map.of(),
				"pg_restore -l");
		StringBuilder others = new StringBuilder();
		StringBuilder foreignKeys = new StringBuilder();
		toc.lines().forEach((line) -> {
			boolean foreignKey = FK_ENTRY.matcher(line).find();
			(foreignKey ? foreignKeys : others).append(line).append('\n');
		});
		run("post-data", this.options.jobs(), writeList("others.list", others.toString()));
		if (foreignKeys.isEmpty()) {
			return List.of();
		}
		Path list = writeList("foreign-keys.list", foreignKeys.toString());
		String script = ToolProcess.run(
				List.of(this.pgRestore.toString(), "-L", list.toString(), "-f", "-", this.archive.toString()), Map.of(),
				"pg_restore -f - (foreign keys)");
		return ForeignKeyScript.parse(script);
	}

	/**
	 * The SQL {@code pg_restore -f -} writes for the archive's entries of these types (as
	 * {@code pg_restore -l} names them), without owners or privileges. Needs no database.
	 */
	String script(List<String> entryTypes) {
		String toc = ToolProcess.run(List.of(this.pgRestore.toString(), "-l", this.archive.toString()), Map.of(),
				"pg_restore -l");
		StringBuilder selected = new StringBuilder();
		toc.lines().forEach((line) -> {
			Matcher entry = TOC_ENTRY.matcher(line);
			if (!entry.find()) {
				return;
			}
			String rest = line.substring(entry.end());
			boolean attachOrData = rest.startsWith("TABLE ATTACH ") || rest.startsWith("INDEX ATTACH ")
					|| rest.startsWith("TABLE DATA ");
			if (!attachOrData && entryTypes.stream().anyMatch((type) -> rest.startsWith(type + " "))) {
				selected.append(line).append('\n');
			}
		});
		Path list = writeList("definitions.list", selected.toString());
		return ToolProcess.run(List.of(this.pgRestore.toString(), "--no-owner", "--no-privileges", "-L",
				list.toString(), "-f", "-", this.archive.toString()), Map.of(), "pg_restore -f - (table definitions)");
	}

	private Path writeList(String name, String content) {
		try {
			return Files.writeString(this.directory.resolve(name), content);
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot write " + name + ": " + ex, ex);
		}
	}

	private void run(String section, int jobs, Path list) {
		List<String> command = new ArrayList<>(List.of(this.pgRestore.toString(), "--section=" + section,
				"--exit-on-error", "--no-password", "--jobs=" + jobs));
		if (list != null) {
			command.add("--use-list=" + list);
		}
		if (this.options.noOwner()) {
			command.add("--no-owner");
			command.add("--no-privileges");
		}
		try (LibpqConnection connection = LibpqConnection.prepare(this.target, "redoubt restore schema")) {
			command.add(connection.dbnameArgument());
			command.add(this.archive.toString());
			ToolProcess.run(command, Map.of(), "pg_restore --section=" + section);
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
			DirectoryTree.delete(this.directory);
		}
		catch (RuntimeException ex) {
			// temporary files holding DDL only
		}
	}

}
