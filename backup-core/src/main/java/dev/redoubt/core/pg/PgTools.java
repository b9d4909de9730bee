package dev.redoubt.core.pg;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * Finds PostgreSQL client and server programs on this machine: directories named by
 * {@code REDOUBT_PG_BIN}, then {@code /usr/lib/postgresql/<major>/bin} (newest first),
 * then {@code PATH}. {@code pg_dump} must be at least the server's major version: an
 * older one refuses the server or, worse, misses newer catalog features.
 */
public final class PgTools {

	private PgTools() {
	}

	/**
	 * A program whose major version is at least {@code minimumMajor}, the closest such
	 * one.
	 */
	public static Path find(String program, int minimumMajor) {
		List<Candidate> candidates = candidates(program);
		Optional<Candidate> suitable = candidates.stream()
			.filter((c) -> c.version().major() >= minimumMajor)
			.min(Comparator.comparingInt((Candidate c) -> c.version().major()));
		if (suitable.isPresent()) {
			return suitable.get().path();
		}
		String found = found(candidates, "none found");
		throw new RedoubtException(ErrorCode.PG_TOOL_UNSUITABLE,
				program + " of PostgreSQL " + minimumMajor + " or newer is needed for a PostgreSQL " + minimumMajor
						+ " server; " + found,
				"install the postgresql-client-" + minimumMajor + " package or set REDOUBT_PG_BIN", null);
	}

	/**
	 * A program of exactly {@code major}: a verification proves a backup on the major
	 * version it was taken from.
	 */
	public static Path findExact(String program, int major) {
		List<Candidate> candidates = candidates(program);
		return candidates.stream()
			.filter((c) -> c.version().major() == major)
			.findFirst()
			.map(Candidate::path)
			.orElseThrow(() -> new RedoubtException(ErrorCode.SANDBOX_FAILED,
					program + " of PostgreSQL " + major + " is not installed on this machine; "
							+ found(candidates, "no " + program + " found"),
					"install the postgresql-" + major + " package (server binaries), set REDOUBT_PG_BIN,"
							+ " or verify in a container (redoubt.sources.<name>.verify.sandbox: testcontainers)",
					null));
	}

	/** The directory {@code pg_config --bindir} names, if a pg_config is on the PATH. */
	private static Optional<Path> pgConfigBinDir() {
		try {
			Process process = ToolProcess.builder(List.of("pg_config", "--bindir")).redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
			return (process.waitFor() == 0 && !output.isEmpty()) ? Optional.of(Path.of(output)) : Optional.empty();
		}
		catch (IOException ex) {
			return Optional.empty();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return Optional.empty();
		}
	}

	/** What was found instead, for an error message. */
	private static String found(List<Candidate> candidates, String none) {
		return candidates.isEmpty() ? none
				: "found " + candidates.stream().map((c) -> c.path() + " (" + c.version() + ")").toList();
	}

	/** The version a program reports. */
	public static ServerVersion version(Path program) {
		try {
			Process process = ToolProcess.builder(List.of(program.toString(), "--version"))
				.redirectErrorStream(true)
				.start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			process.waitFor();
			return ServerVersion.parseToolOutput(output);
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.PG_TOOL_UNSUITABLE, "cannot run " + program + ": " + ex.getMessage(),
					ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RedoubtException(ErrorCode.INTERRUPTED, "interrupted while running " + program);
		}
	}

	private static List<Candidate> candidates(String program) {
		List<Path> directories = new ArrayList<>();
		String configured = System.getenv("REDOUBT_PG_BIN");
		if (configured != null && !configured.isBlank()) {
			for (String dir : configured.split(java.io.File.pathSeparator)) {
				directories.add(Path.of(dir));
			}
		}
		Path debian = Path.of("/usr/lib/postgresql");
		if (Files.isDirectory(debian)) {
			try (Stream<Path> versions = Files.list(debian)) {
				versions.map((v) -> v.resolve("bin")).sorted(Comparator.reverseOrder()).forEach(directories::add);
			}
			catch (IOException ex) {
				// unreadable: rely on the other places
			}
		}
		pgConfigBinDir().ifPresent(directories::add);
		String path = System.getenv("PATH");
		if (path != null) {
			for (String dir : path.split(java.io.File.pathSeparator)) {
				directories.add(Path.of(dir));
			}
		}
		List<Candidate> result = new ArrayList<>();
		List<Path> seen = new ArrayList<>();
		for (Path dir : directories) {
			Path candidate = dir.resolve(program);
			if (Files.isExecutable(candidate)) {
				Path real = realPath(candidate);
				if (seen.contains(real)) {
					continue;
				}
				seen.add(real);
				try {
					result.add(new Candidate(candidate, version(candidate)));
				}
				catch (RedoubtException ex) {
					// a wrapper that cannot report its version (e.g. Debian's without a
					// cluster)
				}
			}
		}
		return result;
	}

	private static Path realPath(Path path) {
		try {
			return path.toRealPath();
		}
		catch (IOException ex) {
			return path;
		}
	}

	private record Candidate(Path path, ServerVersion version) {
	}

}
