package dev.redoubt.core.pg;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.secret.Secret;

/**
 * How to reach one PostgreSQL database: a JDBC URL without credentials, a user and a
 * password. Opens JDBC connections and gives libpq connection arguments for
 * {@code pg_dump} and {@code pg_restore}, with the password passed in the child's
 * environment, never on its command line.
 *
 * @param url {@code jdbc:postgresql://host:port/database[?params]}
 * @param username the role
 * @param password the password, or {@code null}
 */
public record ConnectionSpec(String url, String username, Secret password) {

	public ConnectionSpec {
		if (url == null || !url.startsWith("jdbc:postgresql://")) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "'" + masked(url)
					+ "' is not a PostgreSQL JDBC URL (expected jdbc:postgresql://host:port/database)");
		}
		if (url.contains("password=")) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "the JDBC URL " + masked(url)
					+ " carries a password; set it with password or password-file instead");
		}
	}

	/** The URL with any query parameters dropped, safe to log. */
	public String display() {
		return masked(this.url);
	}

	private static String masked(String url) {
		if (url == null) {
			return "null";
		}
		int query = url.indexOf('?');
		return (query < 0) ? url : url.substring(0, query) + "?...";
	}

	private URI uri() {
		return URI.create(this.url.substring("jdbc:".length()));
	}

	public String host() {
		String host = uri().getHost();
		return (host == null) ? "localhost" : host;
	}

	public int port() {
		int port = uri().getPort();
		return (port < 0) ? 5432 : port;
	}

	public String database() {
		String path = uri().getPath();
		return (path == null || path.length() <= 1) ? this.username : path.substring(1);
	}

	/** libpq arguments for pg_dump / pg_restore ({@code -d} is a conninfo string). */
	public Map<String, String> libpqArguments() {
		Map<String, String> args = new LinkedHashMap<>();
		args.put("--host", host());
		args.put("--port", Integer.toString(port()));
		args.put("--username", this.username);
		args.put("--dbname", database());
		return args;
	}

	/**
	 * Environment for a libpq child process: the password, and nothing asks on a
	 * terminal.
	 */
	public Map<String, String> libpqEnvironment() {
		Map<String, String> env = new LinkedHashMap<>();
		if (this.password != null) {
			env.put("PGPASSWORD", this.password.reveal());
		}
		env.put("PGCONNECT_TIMEOUT", "10");
		return env;
	}

	/**
	 * Opens a connection, mapping failures to catalogued errors: authentication,
	 * unreachable server, missing database.
	 */
	public Connection open(String applicationName) {
		Properties properties = new Properties();
		properties.setProperty("user", this.username);
		if (this.password != null) {
			properties.setProperty("password", this.password.reveal());
		}
		properties.setProperty("ApplicationName", applicationName);
		properties.setProperty("connectTimeout", "10");
		properties.setProperty("tcpKeepAlive", "true");
		try {
			return DriverManager.getConnection(this.url, properties);
		}
		catch (SQLException ex) {
			throw connectFailure(ex);
		}
	}

	private RedoubtException connectFailure(SQLException ex) {
		String state = ex.getSQLState();
		String where = "database " + database() + " at " + host() + ":" + port() + " as role " + this.username;
		if ("28P01".equals(state) || "28000".equals(state)) {
			return new RedoubtException(ErrorCode.DATABASE_AUTH_FAILED,
					"cannot connect to " + where + ": authentication failed",
					"check username and password (or password-file) of the source", null);
		}
		if ("3D000".equals(state)) {
			return new RedoubtException(ErrorCode.CONFIG_INVALID,
					"cannot connect to " + where + ": the database does not exist");
		}
		return new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
				"cannot connect to " + where + ": " + ex.getMessage(),
				"check that the server runs and accepts TCP connections", null);
	}

}
