package dev.redoubt.core.pg;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * Runs a PostgreSQL program to completion. When this JVM runs as root, programs that
 * refuse root ({@code initdb}, {@code pg_ctl}, {@code postgres}) run as the
 * {@code postgres} user through {@code runuser}.
 */
public final class ToolProcess {

	private ToolProcess() {
	}

	public static boolean runningAsRoot() {
		return "root".equals(System.getProperty("user.name"));
	}

	/**
	 * Hands a file to the {@code postgres} user when this process runs as root (the
	 * server runs as that user and must own its data, or open a file for writing); a
	 * no-op otherwise, where files are ours and the server runs as us.
	 */
	public static void handToServerUser(java.nio.file.Path path) throws java.io.IOException {
		if (runningAsRoot()) {
			java.nio.file.Files
				.getFileAttributeView(path, java.nio.file.attribute.PosixFileAttributeView.class,
						java.nio.file.LinkOption.NOFOLLOW_LINKS)
				.setOwner(path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));
		}
	}

	/** The command, prefixed with {@code runuser -u postgres --} when running as root. */
	public static List<String> asServerUser(List<String> command) {
		if (!runningAsRoot()) {
			return command;
		}
		List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
		wrapped.addAll(command);
		return wrapped;
	}

	/** What a child process may inherit of this process's environment. */
	private static final java.util.Set<String> INHERITED = java.util.Set.of("PATH", "HOME", "LANG", "LANGUAGE",
			"LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_COLLATE", "LC_NUMERIC", "LC_TIME", "LC_MONETARY", "TZ", "TMPDIR",
			"USER", "LOGNAME");

	/**
	 * Reduces a child's environment to the locale, time zone, paths and user: this
	 * process's environment may hold secrets ({@code REDOUBT_*} settings,
	 * {@code AWS_SECRET_ACCESS_KEY}, {@code PGPASSWORD}) and settings that would steer a
	 * libpq tool elsewhere ({@code PGHOST}, {@code PGSERVICE}, {@code PGSSLMODE}); a
	 * child gets none of them.
	 */
	public static void childEnvironment(Map<String, String> environment) {
		environment.keySet().retainAll(INHERITED);
	}

	/** A builder for {@code command} with the reduced environment. */
	public static ProcessBuilder builder(List<String> command) {
		ProcessBuilder builder = new ProcessBuilder(command);
		childEnvironment(builder.environment());
		return builder;
	}

	/**
	 * Runs {@code command} and returns its output.
	 * @throws RedoubtException {@code PG_TOOL_FAILED} with the tail of its output if it
	 * exits with a non-zero status
	 */
	public static String run(List<String> command, Map<String, String> environment, String what) {
		return run(command, environment, what, new byte[0]);
	}

	/**
	 * Runs {@code command} with {@code input} on its standard input (SQL that holds a
	 * secret goes there, never on a command line) and returns its output.
	 */
	public static String run(List<String> command, Map<String, String> environment, String what, byte[] input) {
		ProcessBuilder builder = builder(command).redirectErrorStream(true);
		builder.environment().putAll(environment);
		try {
			Process process = builder.start();
			try (java.io.OutputStream stdin = process.getOutputStream()) {
				stdin.write(input);
			}
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			int status = process.waitFor();
			if (status != 0) {
				throw new RedoubtException(ErrorCode.PG_TOOL_FAILED,
						what + " failed with exit status " + status + ": " + tail(output));
			}
			return output;
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.PG_TOOL_FAILED, "cannot start " + what + ": " + ex.getMessage(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RedoubtException(ErrorCode.INTERRUPTED, "interrupted while waiting for " + what);
		}
	}

	/**
	 * Reads a child's stream (its stderr) to the end on a thread of its own, so the child
	 * never blocks on a full pipe. Not on a shared pool: a blocking read there would hold
	 * a pool thread for the child's whole life and make other readers wait behind it.
	 */
	public static CompletableFuture<String> collect(InputStream in, String what) {
		CompletableFuture<String> text = new CompletableFuture<>();
		Thread reader = new Thread(() -> {
			try {
				text.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
			}
			catch (IOException ex) {
				text.complete("");
			}
		}, "redoubt-stderr " + what);
		reader.setDaemon(true);
		reader.start();
		return text;
	}

	/** The last lines of a program's output, for an error message. */
	public static String tail(String output) {
		String trimmed = output.strip();
		return (trimmed.length() > 2000) ? "..." + trimmed.substring(trimmed.length() - 2000) : trimmed;
	}

}
