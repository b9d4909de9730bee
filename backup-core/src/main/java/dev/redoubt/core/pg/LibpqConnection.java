package dev.redoubt.core.pg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * One libpq tool's connection ({@code pg_dump}, {@code psql}, {@code pg_restore},
 * {@code pg_basebackup}): the {@link ConnectionSpec} as a connection string of quoted
 * keyword/value pairs passed as {@code --dbname} (so a database name such as
 * {@code host=elsewhere dbname=x} is a name, never more keywords), and the password in a
 * password file readable only by this user, named by the {@code passfile} keyword. The
 * password never appears on a command line or in an environment; the file is removed on
 * {@link #close()}.
 */
public final class LibpqConnection implements AutoCloseable {

	private final String conninfo;

	private final Path directory;

	private LibpqConnection(String conninfo, Path directory) {
		this.conninfo = conninfo;
		this.directory = directory;
	}

	/**
	 * Prepares a connection: writes the password file (mode 0600 in a 0700 directory)
	 * when the spec has a password.
	 */
	public static LibpqConnection prepare(ConnectionSpec spec, String applicationName) {
		Map<String, String> keywords = spec.libpqKeywords();
		keywords.put("application_name", applicationName);
		Path directory = null;
		if (spec.password() != null) {
			try {
				directory = Files.createTempDirectory("redoubt-libpq-",
						PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
				Path passfile = directory.resolve("pgpass");
				Files.createFile(passfile,
						PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
				// any host, port, database, role: this file serves this one child only
				Files.writeString(passfile, "*:*:*:*:" + passfileValue(spec.password().reveal()) + "\n");
				keywords.put("passfile", passfile.toString());
			}
			catch (IOException ex) {
				deleteQuietly(directory);
				throw new RedoubtException(ErrorCode.PG_TOOL_FAILED,
						"cannot write the password file for a PostgreSQL tool: " + ex.getMessage(), ex);
			}
		}
		String conninfo = keywords.entrySet()
			.stream()
			.map((e) -> e.getKey() + "=" + ConnectionSpec.conninfoValue(e.getValue()))
			.collect(Collectors.joining(" "));
		return new LibpqConnection(conninfo, directory);
	}

	/** {@code --dbname=<connection string>}, the one argument that names the server. */
	public String dbnameArgument() {
		return "--dbname=" + this.conninfo;
	}

	/** The connection string (holds no secret: the password is in the file it names). */
	public String conninfo() {
		return this.conninfo;
	}

	/**
	 * A process builder for {@code command} with a minimal environment
	 * ({@link ToolProcess#childEnvironment}): nothing of this process's environment,
	 * where secrets may live, reaches the tool.
	 */
	public ProcessBuilder processBuilder(List<String> command) {
		ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command));
		ToolProcess.childEnvironment(builder.environment());
		return builder;
	}

	/** A password as a {@code .pgpass} field: {@code :} and {@code \} escaped. */
	static String passfileValue(String password) {
		if (password.contains("\n") || password.contains("\r")) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"the password holds a line break, which no PostgreSQL tool can be given");
		}
		return password.replace("\\", "\\\\").replace(":", "\\:");
	}

	@Override
	public void close() {
		deleteQuietly(this.directory);
	}

	private static void deleteQuietly(Path directory) {
		if (directory == null) {
			return;
		}
		try {
			Files.deleteIfExists(directory.resolve("pgpass"));
			Files.deleteIfExists(directory);
		}
		catch (IOException ex) {
			directory.toFile().deleteOnExit();
		}
	}

}
