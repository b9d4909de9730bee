package dev.redoubt.verify.check;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Check 9: the operator's smoke queries give their expected results on the restored data
 * ({@code redoubt.sources.<name>.verify.smoke-queries}): a query returns one value, which
 * must equal {@code expect} as text, or be {@code true} when no expectation is given.
 * Each runs in a read-only transaction.
 */
public final class SmokeQueryCheck implements VerificationCheck {

	@Override
	public String id() {
		return "smoke-queries";
	}

	@Override
	public String title() {
		return "Smoke queries give their expected results";
	}

	@Override
	public Outcome run(VerificationContext context) throws Exception {
		List<VerifySettings.SmokeQuery> queries = context.settings().smokeQueries();
		if (queries.isEmpty()) {
			return Outcome.pass("no smoke queries configured (redoubt.sources.<name>.verify.smoke-queries)");
		}
		List<String> problems = new ArrayList<>();
		try (Connection connection = context.open()) {
			connection.setReadOnly(true);
			connection.setAutoCommit(false);
			for (VerifySettings.SmokeQuery query : queries) {
				String expected = (query.expect() != null) ? query.expect() : "true";
				try (Statement statement = connection.createStatement();
						ResultSet rows = statement.executeQuery(query.sql())) {
					String actual = rows.next() ? rows.getString(1) : null;
					if (!expected.equals(normalized(actual))) {
						problems.add(query.name() + " returned "
								+ ((actual == null) ? "no row" : "'" + normalized(actual) + "'") + ", expected '"
								+ expected + "'");
					}
				}
				catch (SQLException ex) {
					problems.add(query.name() + " failed: " + ex.getMessage().replace('\n', ' '));
					connection.rollback();
				}
			}
			connection.rollback();
		}
		return Outcome.of(problems, queries.size() + " smoke queries give their expected results");
	}

	/**
	 * PostgreSQL's text for booleans ({@code t}, {@code f}) as an operator writes them.
	 */
	private static String normalized(String value) {
		if ("t".equals(value)) {
			return "true";
		}
		return "f".equals(value) ? "false" : value;
	}

}
