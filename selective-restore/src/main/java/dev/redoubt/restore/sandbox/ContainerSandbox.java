package dev.redoubt.restore.sandbox;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.LocalCluster;
import dev.redoubt.core.process.ProcessIdentity;
import dev.redoubt.core.secret.Secret;

/**
 * A sandbox in a container: a {@code postgres:<major>} image (the official one, or one
 * built from Debian packages by {@code docker/build-images.sh} where no registry is
 * reachable) through Testcontainers. Each container is labelled with the process that
 * started it; a run removes the containers of runs that died on this machine without
 * removing theirs ({@code kill -9}), as Testcontainers' Ryuk side-car would where its
 * image can be pulled. Chosen when a Docker engine answers, or by configuration.
 */
public final class ContainerSandbox implements Sandbox {

	private static final Logger log = LoggerFactory.getLogger(ContainerSandbox.class);

	private final PostgreSQLContainer container;

	private final String serverVersion;

	private ContainerSandbox(PostgreSQLContainer container) {
		this.container = container;
		this.serverVersion = query("SHOW server_version");
	}

	static final String LABEL = "dev.redoubt.sandbox";

	static final String OWNER_LABEL = "dev.redoubt.sandbox.owner";

	/**
	 * The labels of every container Redoubt starts: what it is, and which run (on which
	 * machine) owns it, so that {@link #removeStale()} knows whose run died.
	 */
	public static java.util.Map<String, String> labels() {
		return java.util.Map.of(LABEL, "postgres", OWNER_LABEL, ProcessIdentity.current().encode());
	}

	/** Throws unless a Docker engine answers. */
	public static void requireDocker() {
		if (!Sandboxes.dockerAvailable()) {
			throw new RedoubtException(ErrorCode.SANDBOX_FAILED,
					"sandbox 'testcontainers' needs a Docker engine, and none answers",
					"start Docker (or set DOCKER_HOST), or use verify.sandbox: local", null);
		}
	}

	public static ContainerSandbox start(int major) {
		removeStale();
		PostgreSQLContainer container = new PostgreSQLContainer(DockerImageName.parse("postgres:" + major))
			.withDatabaseName("postgres")
			.withUsername("postgres")
			.withLabels(labels());
		// the same settings as a local sandbox, so both kinds measure the same restore
		List<String> command = new ArrayList<>(List.of("postgres"));
		Stream.concat(LocalCluster.DISPOSABLE.stream(), LocalSandbox.SETTINGS.stream()).forEach((setting) -> {
			command.add("-c");
			command.add(setting);
		});
		container.setCommand(command.toArray(String[]::new));
		return new ContainerSandbox(startOrFail(container, major));
	}

	/**
	 * Starts a {@code postgres:<major>} container; one that does not start is removed and
	 * reported as {@code SANDBOX_FAILED}.
	 */
	public static <T extends org.testcontainers.containers.GenericContainer<?>> T startOrFail(T container, int major) {
		try {
			container.start();
			return container;
		}
		catch (RuntimeException ex) {
			container.close();
			throw new RedoubtException(ErrorCode.SANDBOX_FAILED,
					"the postgres:" + major + " container did not start: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Removes the sandbox containers whose run died on this machine; a container of a run
	 * alive, or of another machine, is left alone.
	 */
	public static void removeStale() {
		DockerClient docker = DockerClientFactory.instance().client();
		for (Container stale : docker.listContainersCmd()
			.withShowAll(true)
			.withLabelFilter(java.util.Map.of(LABEL, "postgres"))
			.exec()) {
			boolean dead = ProcessIdentity.decode(stale.getLabels().get(OWNER_LABEL))
				.map(ProcessIdentity::knownDead)
				.orElse(false);
			if (dead) {
				log.warn("removing stale sandbox container {} ({}) of a run that died", stale.getId().substring(0, 12),
						String.join(",", stale.getNames()));
				docker.removeContainerCmd(stale.getId()).withForce(true).withRemoveVolumes(true).exec();
			}
		}
	}

	@Override
	public ConnectionSpec connection(String database) {
		return new ConnectionSpec(
				ConnectionSpec.urlWithDatabase("jdbc:postgresql://" + this.container.getHost() + ":"
						+ this.container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT), database),
				this.container.getUsername(), Secret.of(this.container.getPassword()));
	}

	@Override
	public String kind() {
		return "testcontainers";
	}

	@Override
	public String serverVersion() {
		return this.serverVersion;
	}

	@Override
	public void createDatabase(String name) {
		query("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
	}

	private String query(String sql) {
		try (Connection connection = connection("postgres").open("redoubt sandbox");
				Statement statement = connection.createStatement()) {
			if (!statement.execute(sql)) {
				return null;
			}
			try (ResultSet rows = statement.getResultSet()) {
				return rows.next() ? rows.getString(1) : null;
			}
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.SANDBOX_FAILED, "sandbox container: " + ex.getMessage(), ex);
		}
	}

	@Override
	public void close() {
		this.container.close();
	}

}
