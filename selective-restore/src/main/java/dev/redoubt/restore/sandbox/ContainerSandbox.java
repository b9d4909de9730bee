package dev.redoubt.restore.sandbox;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.LocalCluster;
import dev.redoubt.core.secret.Secret;

/**
 * A sandbox in a container: the official {@code postgres:<major>} image through
 * Testcontainers, which also removes the container if this process dies (its Ryuk
 * side-car). Chosen when a Docker engine answers, or by configuration.
 */
public final class ContainerSandbox implements Sandbox {

	private final PostgreSQLContainer container;

	private final String serverVersion;

	private ContainerSandbox(PostgreSQLContainer container) {
		this.container = container;
		this.serverVersion = query("SHOW server_version");
	}

	public static ContainerSandbox start(int major) {
		PostgreSQLContainer container = new PostgreSQLContainer(DockerImageName.parse("postgres:" + major))
			.withDatabaseName("postgres")
			.withUsername("postgres");
		// the same settings as a local sandbox, so both kinds measure the same restore
		List<String> command = new ArrayList<>(List.of("postgres"));
		Stream.concat(LocalCluster.DISPOSABLE.stream(), LocalSandbox.SETTINGS.stream()).forEach((setting) -> {
			command.add("-c");
			command.add(setting);
		});
		container.setCommand(command.toArray(String[]::new));
		try {
			container.start();
		}
		catch (RuntimeException ex) {
			container.close();
			throw new RedoubtException(ErrorCode.SANDBOX_FAILED,
					"the postgres:" + major + " container did not start: " + ex.getMessage(), ex);
		}
		return new ContainerSandbox(container);
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
