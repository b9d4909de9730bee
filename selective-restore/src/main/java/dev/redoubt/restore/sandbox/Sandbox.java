package dev.redoubt.restore.sandbox;

import dev.redoubt.core.pg.ConnectionSpec;

/**
 * A throwaway PostgreSQL server that a backup is restored into to prove it. Always
 * closed: closing stops the server and removes every file it wrote.
 */
public interface Sandbox extends AutoCloseable {

	/** The superuser's connection to {@code database}. */
	ConnectionSpec connection(String database);

	/** {@code local} or {@code testcontainers}. */
	String kind();

	/** The server's version, e.g. {@code 15.18}. */
	String serverVersion();

	/** Creates an empty database. */
	void createDatabase(String name);

	@Override
	void close();

}
