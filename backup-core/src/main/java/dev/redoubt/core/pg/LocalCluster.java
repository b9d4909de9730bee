package dev.redoubt.core.pg;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.local.DirectoryTree;

/**
 * A throwaway PostgreSQL cluster: {@code initdb} into a directory, a free port on
 * 127.0.0.1, its Unix socket in the same directory, TCP connections authenticated with
 * SCRAM. Tuned for speed, not durability ({@code fsync=off}): for the demo, tests and
 * restore sandboxes only.
 */
public final class LocalCluster implements AutoCloseable {

	public static final String SUPERUSER = "postgres";

	/**
	 * Durability off: for servers whose data is thrown away (also used for containers).
	 */
	public static final List<String> DISPOSABLE = List.of("fsync=off", "synchronous_commit=off",
			"full_page_writes=off");

	private final Path baseDirectory;

	private final Path dataDirectory;

	private final Path pgCtl;

	private final int port;

	private final Secret password;

	private boolean running;

	private LocalCluster(Path baseDirectory, Path pgCtl, int port, Secret password) {
		this.baseDirectory = baseDirectory;
		this.dataDirectory = baseDirectory.resolve("data");
		this.pgCtl = pgCtl;
		this.port = port;
		this.password = password;
	}

	/**
	 * Creates and starts a cluster of the closest PostgreSQL found with at least
	 * {@code minimumMajor}. When running as root the server runs as {@code postgres}, so
	 * every parent of {@code baseDirectory} must be searchable by that user; the direct
	 * parent is made so.
	 */
	public static LocalCluster start(Path baseDirectory, int minimumMajor, Secret superuserPassword,
			List<String> settings) {
		Path initdb = PgTools.find("initdb", minimumMajor);
		Path pgCtl = initdb.resolveSibling("pg_ctl");
		LocalCluster cluster = new LocalCluster(baseDirectory, pgCtl, freePort(), superuserPassword);
		cluster.initdb(initdb);
		cluster.startServer(settings);
		return cluster;
	}

	private void initdb(Path initdb) {
		try {
			Files.createDirectories(this.baseDirectory);
			Files.setPosixFilePermissions(this.baseDirectory, PosixFilePermissions.fromString("rwx------"));
			letServerUserSearch(this.baseDirectory.toAbsolutePath().getParent());
			Path passwordFile = this.baseDirectory.resolve("pwfile");
			Files.writeString(passwordFile, this.password.reveal() + "\n");
			ToolProcess.handToServerUser(this.baseDirectory);
			ToolProcess.handToServerUser(passwordFile);
			try {
				ToolProcess.run(
						ToolProcess.asServerUser(
								List.of(initdb.toString(), "-D", this.dataDirectory.toString(), "-U", SUPERUSER,
										"--pwfile=" + passwordFile, "--auth-local=trust", "--auth-host=scram-sha-256",
										"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")),
						Map.of(), "initdb");
			}
			finally {
				Files.deleteIfExists(passwordFile);
			}
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot prepare " + this.baseDirectory + ": " + ex, ex);
		}
	}

	/**
	 * As root the server runs as {@code postgres}, which must be able to reach the
	 * directory: a private temporary parent (mode 0700) gets search permission for
	 * others, nothing more.
	 */
	private static void letServerUserSearch(Path parent) throws IOException {
		if (ToolProcess.runningAsRoot() && parent != null) {
			java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions = Files
				.getPosixFilePermissions(parent);
			if (permissions.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
				Files.setPosixFilePermissions(parent, permissions);
			}
		}
	}

	private void startServer(List<String> settings) {
		List<String> options = new ArrayList<>(List.of("-p", Integer.toString(this.port), "-k",
				this.baseDirectory.toString(), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=50"));
		for (String setting : DISPOSABLE) {
			options.add("-c");
			options.add(setting);
		}
		for (String setting : settings) {
			options.add("-c");
			options.add(setting);
		}
		ToolProcess.run(ToolProcess.asServerUser(List.of(this.pgCtl.toString(), "-D", this.dataDirectory.toString(),
				"-l", this.baseDirectory.resolve("server.log").toString(), "-w", "-t", "60", "-o",
				String.join(" ", options), "start")), Map.of(), "pg_ctl start");
		this.running = true;
	}

	/** A TCP port no one listens on now (for a server about to start). */
	public static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot find a free port: " + ex, ex);
		}
	}

	public int port() {
		return this.port;
	}

	public Path dataDirectory() {
		return this.dataDirectory;
	}

	/** The superuser's connection to {@code database} over TCP. */
	public ConnectionSpec connection(String database) {
		return new ConnectionSpec(ConnectionSpec.urlWithDatabase("jdbc:postgresql://127.0.0.1:" + this.port, database),
				SUPERUSER, this.password);
	}

	/**
	 * Runs SQL through psql over the Unix socket as the superuser, stopping at the first
	 * error.
	 */
	public void psql(String database, String... arguments) {
		List<String> command = new ArrayList<>(List.of(PgTools.find("psql", 10).toString(), "-X", "-q", "-v",
				"ON_ERROR_STOP=1", "-h", this.baseDirectory.toString(), "-p", Integer.toString(this.port), "-U",
				SUPERUSER, "-d", "dbname=" + ConnectionSpec.conninfoValue(database)));
		command.addAll(List.of(arguments));
		ToolProcess.run(command, Map.of(), "psql");
	}

	public void stop() {
		stop("fast");
	}

	private void stop(String mode) {
		if (this.running) {
			this.running = false;
			ToolProcess.run(ToolProcess.asServerUser(
					List.of(this.pgCtl.toString(), "-D", this.dataDirectory.toString(), "-m", mode, "-w", "stop")),
					Map.of(), "pg_ctl stop");
		}
	}

	/**
	 * Stops the server without a shutdown checkpoint ({@code -m immediate}) and removes
	 * every file: for clusters whose data is thrown away anyway.
	 */
	public void discard() {
		try {
			stop("immediate");
		}
		finally {
			DirectoryTree.delete(this.baseDirectory);
		}
	}

	/** Stops the server and removes every file of the cluster. */
	@Override
	public void close() {
		try {
			stop();
		}
		finally {
			DirectoryTree.delete(this.baseDirectory);
		}
	}

}
