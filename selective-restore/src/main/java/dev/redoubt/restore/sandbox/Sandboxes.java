package dev.redoubt.restore.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;

import org.testcontainers.DockerClientFactory;

import dev.redoubt.core.error.RedoubtException;

/** Chooses and starts the sandbox a verification restores into. */
public final class Sandboxes {

	private Sandboxes() {
	}

	/**
	 * Starts a sandbox of PostgreSQL {@code major}, after removing stale local sandboxes
	 * under {@code root}.
	 */
	public static Sandbox start(SandboxKind kind, int major, Path root) {
		SandboxJanitor.sweep(root);
		return switch (kind) {
			case LOCAL -> LocalSandbox.start(root, major);
			case TESTCONTAINERS -> {
				ContainerSandbox.requireDocker();
				yield ContainerSandbox.start(major);
			}
			case AUTO -> (resolve(kind, major) == SandboxKind.LOCAL) ? LocalSandbox.start(root, major)
					: ContainerSandbox.start(major);
		};
	}

	/**
	 * What {@code kind} comes to for PostgreSQL {@code major} on this machine:
	 * {@code LOCAL} or {@code TESTCONTAINERS} ({@code auto}: local binaries of that major
	 * first, then a container if Docker answers, else local, which then says what is
	 * missing).
	 */
	public static SandboxKind resolve(SandboxKind kind, int major) {
		if (kind != SandboxKind.AUTO) {
			return kind;
		}
		return (localBinaries(major) || !dockerAvailable()) ? SandboxKind.LOCAL : SandboxKind.TESTCONTAINERS;
	}

	/**
	 * Whether {@code initdb} of PostgreSQL {@code major} is installed here: {@code auto}
	 * then prefers the local sandbox (it starts in about a second, needs no image, and no
	 * registry), and a container only fills in for a major version not installed.
	 */
	static boolean localBinaries(int major) {
		try {
			dev.redoubt.core.pg.PgTools.findExact("initdb", major);
			return true;
		}
		catch (RedoubtException ex) {
			return false;
		}
	}

	/**
	 * Whether a Docker engine answers. Asking Testcontainers costs most of a second, so
	 * it is asked only when a socket or {@code DOCKER_HOST} suggests an engine.
	 */
	public static boolean dockerAvailable() {
		boolean hinted = System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"))
				|| Files.exists(Path.of(System.getProperty("user.home"), ".docker", "run", "docker.sock"));
		if (!hinted) {
			return false;
		}
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

}
