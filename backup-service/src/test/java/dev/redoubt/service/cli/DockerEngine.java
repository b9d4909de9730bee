package dev.redoubt.service.cli;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.redoubt.restore.sandbox.Sandboxes;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Docker engine the container sandbox tests run against. The suite runs test classes
 * in two JVMs at once; a test that asserts what containers exist runs
 * {@linkplain Exclusive alone} among those that start any.
 */
final class DockerEngine {

	/**
	 * What Testcontainers needs where no registry is reachable (docs/verification.md).
	 */
	static final Map<String, String> ENVIRONMENT = Map.of("TESTCONTAINERS_RYUK_DISABLED", "true",
			"TESTCONTAINERS_HOST_OVERRIDE", "localhost");

	private DockerEngine() {
	}

	/**
	 * Skips the test where no engine answers, except where one is expected: CI installs
	 * and starts one, so there its absence fails the test instead.
	 */
	static void require() {
		if (System.getenv("CI") != null) {
			assertThat(Sandboxes.dockerAvailable()).as("CI starts a Docker engine (.ci/run)").isTrue();
		}
		Assumptions.assumeTrue(Sandboxes.dockerAvailable(),
				"no Docker engine on this machine: the Testcontainers sandbox cannot start here; "
						+ "every other verifier test runs on the local sandbox");
	}

	/** The short ids of the sandbox containers on this engine, running or not. */
	static List<String> sandboxContainers() throws Exception {
		Process ps = new ProcessBuilder("docker", "ps", "-a", "-q", "--filter", "label=dev.redoubt.sandbox")
			.redirectErrorStream(true)
			.start();
		String out = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(ps.waitFor()).as(out).isZero();
		return out.lines().map(String::trim).filter((line) -> !line.isEmpty()).toList();
	}

	/**
	 * Holds a lock file, shared by every test JVM of this machine, from before a test to
	 * after it: two tests that start containers never overlap.
	 */
	static final class Exclusive implements BeforeEachCallback, AfterEachCallback {

		private static final Path LOCK = Path.of(System.getProperty("java.io.tmpdir"), "redoubt-tests-docker.lock");

		@Override
		public void beforeEach(ExtensionContext context) throws IOException {
			FileChannel channel = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
			FileLock lock = channel.lock();
			context.getStore(ExtensionContext.Namespace.create(Exclusive.class)).put("lock", lock);
		}

		@Override
		public void afterEach(ExtensionContext context) throws IOException {
			FileLock lock = context.getStore(ExtensionContext.Namespace.create(Exclusive.class))
				.remove("lock", FileLock.class);
			if (lock != null) {
				lock.release();
				lock.channel().close();
			}
		}

	}

}
