package dev.redoubt.core.pg;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.secret.Secret;

/**
 * How to reach one PostgreSQL database: a JDBC URL without credentials, a user and a
 * password. Opens JDBC connections, and gives libpq tools ({@code pg_dump}, {@code psql},
 * {@code pg_restore}, {@code pg_basebackup}) the same connection as keyword/value pairs
 * ({@link LibpqConnection}), with the password in a private password file, never on a
 * command line or in an environment.
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

	/**
	 * The URL as the driver itself reads it (hosts, ports, database decoded, parameters),
	 * so that every libpq tool connects where JDBC connects.
	 */
	private Properties parsed() {
		Properties parsed = org.postgresql.Driver.parseURL(this.url, null);
		if (parsed == null) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"'" + display() + "' is not a PostgreSQL JDBC URL the driver can read");
		}
		return parsed;
	}

	/** The first host the URL names. */
	public String host() {
		return hosts().get(0);
	}

	/** Every host the URL names, in order, without IPv6 brackets. */
	public List<String> hosts() {
		return hosts(parsed());
	}

	private static List<String> hosts(Properties parsed) {
		return Arrays.stream(parsed.getProperty("PGHOST", "localhost").split(","))
			.map((h) -> (h.startsWith("[") && h.endsWith("]")) ? h.substring(1, h.length() - 1) : h)
			.toList();
	}

	/** The first port. */
	public int port() {
		return Integer.parseInt(parsed().getProperty("PGPORT", "5432").split(",")[0]);
	}

	/**
	 * The database, decoded as the driver decodes it; the role's name when none is given.
	 */
	public String database() {
		return database(parsed());
	}

	private String database(Properties parsed) {
		String database = parsed.getProperty("PGDBNAME");
		return (database == null || database.isEmpty()) ? this.username : database;
	}

	/**
	 * The same server and parameters, another database. The name is URL-encoded, so no
	 * name (a {@code ?}, {@code /}, {@code &} or {@code host=...} in it) can change where
	 * the driver connects or what it loads.
	 */
	public ConnectionSpec withDatabase(String database) {
		return new ConnectionSpec(urlWithDatabase(this.url, database), this.username, this.password);
	}

	/** {@code url} with its database replaced by {@code database}, URL-encoded. */
	public static String urlWithDatabase(String url, String database) {
		int hostStart = "jdbc:postgresql://".length();
		int slash = url.indexOf('/', hostStart);
		int query = url.indexOf('?');
		String hosts = (slash < 0 || (query >= 0 && query < slash))
				? url.substring(hostStart, (query < 0) ? url.length() : query) : url.substring(hostStart, slash);
		return "jdbc:postgresql://" + hosts + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8)
				+ ((query < 0) ? "" : url.substring(query));
	}

	/**
	 * The libpq connection string that reaches the same servers as this URL: every host
	 * and port, the database, the role, and the TLS and host-selection parameters, each a
	 * keyword with a quoted value that no name can break out of. No password: that goes
	 * in a password file ({@link LibpqConnection}). JDBC parameters with no libpq
	 * equivalent that change how the server is reached or trusted are refused, so that no
	 * tool quietly connects with less than JDBC does.
	 */
	public Map<String, String> libpqKeywords() {
		Properties parsed = parsed();
		Map<String, String> keywords = new LinkedHashMap<>();
		keywords.put("host", String.join(",", hosts(parsed)));
		keywords.put("port", parsed.getProperty("PGPORT", "5432"));
		keywords.put("dbname", database(parsed));
		keywords.put("user", this.username);
		for (String unsupported : List.of("sslfactory", "sslfactoryarg", "sslhostnameverifier", "socketFactory",
				"socketFactoryArg", "sslpasswordcallback", "authenticationPluginClassName", "sslNegotiation")) {
			if (parsed.containsKey(unsupported)) {
				throw new RedoubtException(ErrorCode.CONFIG_INVALID,
						"the JDBC URL " + display() + " sets " + unsupported
								+ ", which pg_dump, psql and pg_restore cannot follow",
						"use sslmode, sslrootcert, sslcert and sslkey, which every tool reads alike", null);
			}
		}
		String sslmode = parsed.getProperty("sslmode");
		if (sslmode == null && "true".equalsIgnoreCase(parsed.getProperty("ssl"))) {
			sslmode = "verify-full"; // the driver's meaning of ssl=true
		}
		if (sslmode != null) {
			if (!List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full").contains(sslmode)) {
				throw new RedoubtException(ErrorCode.CONFIG_INVALID,
						"sslmode=" + sslmode + " in the JDBC URL " + display() + " is not a PostgreSQL sslmode");
			}
			keywords.put("sslmode", sslmode);
		}
		for (String file : List.of("sslrootcert", "sslcert", "sslkey", "sslcrl")) {
			if (parsed.getProperty(file) != null) {
				keywords.put(file, parsed.getProperty(file));
			}
		}
		String target = parsed.getProperty("targetServerType");
		if (target != null) {
			keywords.put("target_session_attrs", switch (target) {
				case "any" -> "any";
				case "primary", "master" -> "primary";
				case "secondary", "slave" -> "standby";
				case "preferSecondary", "preferSlave" -> "prefer-standby";
				default -> throw new RedoubtException(ErrorCode.CONFIG_INVALID,
						"targetServerType=" + target + " in the JDBC URL " + display()
								+ " has no libpq equivalent for pg_dump and psql",
						"use any, primary, secondary or preferSecondary", null);
			});
		}
		String timeout = parsed.getProperty("connectTimeout");
		keywords.put("connect_timeout", (timeout != null && !"0".equals(timeout)) ? timeout : "10");
		if (parsed.getProperty("options") != null) {
			keywords.put("options", parsed.getProperty("options"));
		}
		if (parsed.getProperty("gssEncMode") != null) {
			keywords.put("gssencmode", parsed.getProperty("gssEncMode"));
		}
		return keywords;
	}

	/**
	 * One libpq keyword's value, single-quoted, with backslash and quote escaped by a
	 * backslash.
	 */
	public static String conninfoValue(String value) {
		return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
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
