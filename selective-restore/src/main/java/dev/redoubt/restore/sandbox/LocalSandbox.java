package dev.redoubt.restore.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.LocalCluster;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.pg.ToolProcess;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.local.DirectoryTree;

/**
 * A sandbox on this machine: {@code initdb} of the backup's major version into a
 * directory under the sandbox root, a free port, and settings for speed over durability.
 * The directory holds an owner file naming this process, so a run that was killed is
 * recognised and cleaned up by the next one ({@link SandboxJanitor}); an interrupt
 * (Ctrl-C, SIGTERM) tears the sandbox down through a shutdown hook.
 */
public final class LocalSandbox implements Sandbox {

	private static final Logger log = LoggerFactory.getLogger(LocalSandbox.class);

	/** Fast and disposable: nothing here must survive a crash. */
	static final List<String> SETTINGS = List.of("autovacuum=off", "wal_level=minimal", "max_wal_senders=0",
			"max_wal_size=8GB", "checkpoint_timeout=1h", "maintenance_work_mem=512MB", "shared_buffers=1GB",
			"wal_buffers=16MB", "jit=off");

	private final Path directory;

	private final LocalCluster cluster;

	private final String serverVersion;

	private final Thread shutdownHook;

	private boolean closed;

	private LocalSandbox(Path directory, LocalCluster cluster, String serverVersion) {
		this.directory = directory;
		this.cluster = cluster;
		this.serverVersion = serverVersion;
		this.shutdownHook = new Thread(this::teardown, "redoubt-sandbox-teardown");
		Runtime.getRuntime().addShutdownHook(this.shutdownHook);
	}

	/**
	 * Starts a sandbox of PostgreSQL {@code major}.
	 * @throws RedoubtException {@code SANDBOX_FAILED} naming the missing major version,
	 * or why the server did not start
	 */
	public static LocalSandbox start(Path root, int major) {
		Path initdb = PgTools.findExact("initdb", major);
		Path directory = root
			.resolve("sandbox-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8));
		try {
			Files.createDirectories(root);
			if (ToolProcess.runningAsRoot()) {
				// the server runs as postgres and must reach its directory through the
				// root
				Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(root);
				if (permissions.add(PosixFilePermission.OTHERS_EXECUTE)) {
					Files.setPosixFilePermissions(root, permissions);
				}
			}
			SandboxOwner.current().writeTo(directory);
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.SANDBOX_FAILED,
					"cannot create sandbox directory " + directory + ": " + ex.getMessage(),
					"set redoubt.verify.sandbox-directory to a writable directory", ex);
		}
		try {
			LocalCluster cluster = LocalCluster.start(directory.resolve("cluster"), major,
					Secret.of(UUID.randomUUID().toString()), SETTINGS);
			String version = PgTools.version(initdb).toString();
			log.info("sandbox: PostgreSQL {} on port {} in {}", version, cluster.port(), directory);
			return new LocalSandbox(directory, cluster, version);
		}
		catch (RedoubtException ex) {
			DirectoryTree.delete(directory);
			throw new RedoubtException(ErrorCode.SANDBOX_FAILED,
					"the sandbox PostgreSQL " + major + " did not start: " + ex.getMessage(), ex.hint(), ex);
		}
	}

	/** The directory sandboxes are created in unless configured otherwise. */
	public static Path defaultRoot() {
		return Path.of(System.getProperty("java.io.tmpdir"), "redoubt-sandboxes");
	}

	public Path directory() {
		return this.directory;
	}

	@Override
	public ConnectionSpec connection(String database) {
		return this.cluster.connection(database);
	}

	@Override
	public String kind() {
		return "local";
	}

	@Override
	public String serverVersion() {
		return this.serverVersion;
	}

	@Override
	public void createDatabase(String name) {
		this.cluster.psql("postgres", "-c", "CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
	}

	@Override
	public void close() {
		try {
			Runtime.getRuntime().removeShutdownHook(this.shutdownHook);
		}
		catch (IllegalStateException ex) {
			// the JVM is already shutting down: the hook runs teardown
		}
		teardown();
	}

	private synchronized void teardown() {
		if (this.closed) {
			return;
		}
		this.closed = true;
		try {
			this.cluster.discard();
		}
		catch (RuntimeException ex) {
			log.warn("sandbox in {} did not stop cleanly: {}", this.directory, ex.getMessage());
			SandboxJanitor.stopServer(this.directory.resolve("cluster").resolve("data"));
		}
		finally {
			DirectoryTree.delete(this.directory);
			log.info("sandbox in {} removed at {}", this.directory, Instant.now());
		}
	}

}
