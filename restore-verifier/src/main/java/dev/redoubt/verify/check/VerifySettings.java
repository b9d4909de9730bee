package dev.redoubt.verify.check;

import java.util.List;

/**
 * A source's verification settings.
 *
 * @param smokeQueries queries with their expected results
 * @param migrationsTable a configured migrations table, or {@code null}
 * @param migrationsColumn its version column, or {@code null}
 * @param jobs parallel sessions for the restore and the content hash
 */
public record VerifySettings(List<SmokeQuery> smokeQueries, String migrationsTable, String migrationsColumn, int jobs) {

	/**
	 * A query on the restored data.
	 *
	 * @param name its name in reports
	 * @param sql returns one row with one column
	 * @param expect the expected value as text, or {@code null} for {@code true}
	 */
	public record SmokeQuery(String name, String sql, String expect) {
	}

}
