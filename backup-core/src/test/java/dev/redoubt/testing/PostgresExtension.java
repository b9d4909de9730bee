package dev.redoubt.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.LocalCluster;
import dev.redoubt.core.secret.Secret;

/**
 * Starts a real PostgreSQL cluster for a test class ({@code initdb} + {@code pg_ctl} in a
 * temporary directory, a free port, the socket beside the data) and removes it
 * afterwards. Register it as a static field with {@code @RegisterExtension}.
 */
public final class PostgresExtension implements BeforeAllCallback, AfterAllCallback {

	private final Secret password;

	private final List<String> settings;

	private LocalCluster cluster;

	private Path scratch;

	public PostgresExtension() {
		this(Secret.of("pg-test-" + Long.toHexString(System.nanoTime())), List.of());
	}

	public PostgresExtension(Secret password, List<String> settings) {
		this.password = password;
		this.settings = new ArrayList<>(settings);
	}

	@Override
	public void beforeAll(ExtensionContext context) throws IOException {
		this.scratch = Files.createTempDirectory("redoubt-scratch-");
		this.cluster = LocalCluster.start(Files.createTempDirectory("redoubt-pg-"), 10, this.password, this.settings);
	}

	@Override
	public void afterAll(ExtensionContext context) {
		if (this.cluster != null) {
			this.cluster.close();
		}
	}

	public LocalCluster cluster() {
		return this.cluster;
	}

	public Path scratch() {
		return this.scratch;
	}

	public Secret password() {
		return this.password;
	}

	public ConnectionSpec connection(String database) {
		return this.cluster.connection(database);
	}

	/** Creates an empty database. */
	public ConnectionSpec createDatabase(String name) {
		this.cluster.psql("postgres", "-c", "CREATE DATABASE \"" + name + "\"");
		return connection(name);
	}

	public void sql(String database, String sql) {
		this.cluster.psql(database, "-c", sql);
	}

}
