package dev.redoubt.service.schedule;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.springframework.core.io.ByteArrayResource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * Creates Quartz's tables from the scripts in the Quartz jar when they are missing. The
 * scripts begin by dropping the tables; those statements are left out, so a replica
 * starting beside running ones never wipes the cluster's state. On PostgreSQL an advisory
 * lock keeps two replicas starting at once from both creating them.
 */
final class QuartzSchema {

	private static final long LOCK = 0x7265646f75627401L;

	private QuartzSchema() {
	}

	static void createIfMissing(DataSource dataSource, boolean postgres) {
		try (Connection connection = dataSource.getConnection()) {
			if (postgres) {
				execute(connection, "SELECT pg_advisory_lock(" + LOCK + ")");
			}
			try {
				if (!exists(connection)) {
					new ResourceDatabasePopulator(new ByteArrayResource(script(postgres))).populate(connection);
					if (!connection.getAutoCommit()) {
						connection.commit();
					}
				}
			}
			finally {
				if (postgres) {
					execute(connection, "SELECT pg_advisory_unlock(" + LOCK + ")");
				}
			}
		}
		catch (SQLException | IOException ex) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"cannot create the Quartz tables in the metadata database: " + ex.getMessage(), ex);
		}
	}

	private static boolean exists(Connection connection) throws SQLException {
		for (String name : new String[] { "qrtz_locks", "QRTZ_LOCKS" }) {
			try (ResultSet tables = connection.getMetaData().getTables(null, null, name, null)) {
				if (tables.next()) {
					return true;
				}
			}
		}
		return false;
	}

	private static byte[] script(boolean postgres) throws IOException {
		String name = "/org/quartz/impl/jdbcjobstore/tables_" + (postgres ? "postgres" : "h2") + ".sql";
		try (InputStream in = org.quartz.Scheduler.class.getResourceAsStream(name)) {
			String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
			return text.lines()
				.filter((line) -> !line.trim().toUpperCase().startsWith("DROP "))
				.filter((line) -> !line.trim().equalsIgnoreCase("COMMIT;"))
				.collect(Collectors.joining("\n"))
				.getBytes(StandardCharsets.UTF_8);
		}
	}

	private static void execute(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

}
