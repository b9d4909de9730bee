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

	/**
	 * Runs {@code command} and returns its output.
	 * @throws RedoubtException {@code PG_TOOL_FAILED} with the tail of its output if it
	 * exits with a non-zero status
	 */
	public static String run(List<String> command, Map<String, String> environment, String what) {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		builder.environment().putAll(environment);
		try {
			Process process = builder.start();
			process.getOutputStream().close();
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
