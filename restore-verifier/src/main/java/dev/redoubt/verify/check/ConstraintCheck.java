package dev.redoubt.verify.check;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import dev.redoubt.restore.ForeignKeyDefinition;

/**
 * Check 8: constraints hold on the restored rows. Foreign keys are added here, one at a
 * time, so that every violated key is reported with PostgreSQL's own message (the restore
 * left them out for this); every {@code CHECK} constraint is evaluated against every row.
 * A constraint marked {@code NOT VALID} promises nothing about the rows that existed when
 * it was added (the source may hold violating rows legally, and a faithful restore holds
 * them too): its violations are counted in the detail but do not fail the check.
 */
public final class ConstraintCheck implements VerificationCheck {

	private static final String CHECKS = "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname),"
			+ " quote_ident(k.conname), pg_get_expr(k.conbin, k.conrelid), k.convalidated"
			+ " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
			+ " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE k.contype = 'c' AND c.relkind = 'r'"
			+ " AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2";

	@Override
	public String id() {
		return "constraints";
	}

	@Override
	public String title() {
		return "Foreign keys and check constraints hold";
	}

	@Override
	public Outcome run(VerificationContext context) throws Exception {
		List<String> problems = new ArrayList<>();
		List<String> notValid = new ArrayList<>();
		int checks = 0;
		try (Connection connection = context.open(); Statement statement = connection.createStatement()) {
			for (ForeignKeyDefinition key : context.foreignKeys()) {
				try {
					statement.execute(key.sql());
				}
				catch (SQLException ex) {
					problems.add("foreign key " + key.qualifiedName() + ": " + ex.getMessage().replace('\n', ' '));
				}
			}
			List<String[]> constraints = new ArrayList<>();
			try (ResultSet rows = statement.executeQuery(CHECKS)) {
				while (rows.next()) {
					constraints.add(new String[] { rows.getString(1), rows.getString(2), rows.getString(3),
							rows.getBoolean(4) ? "valid" : "not valid" });
				}
			}
			for (String[] constraint : constraints) {
				checks++;
				try (ResultSet rows = statement
					.executeQuery("SELECT count(*) FROM " + constraint[0] + " WHERE NOT (" + constraint[2] + ")")) {
					rows.next();
					long violating = rows.getLong(1);
					if (violating > 0 && "not valid".equals(constraint[3])) {
						notValid.add(constraint[0] + "." + constraint[1] + " (" + violating + " row(s))");
					}
					else if (violating > 0) {
						problems.add("check constraint " + constraint[0] + "." + constraint[1] + " is violated by "
								+ violating + " row(s)");
					}
				}
			}
		}
		return Outcome.of(problems,
				context.foreignKeys().size() + " foreign keys validated, " + checks + " check constraints hold"
						+ (notValid.isEmpty() ? ""
								: "; NOT VALID constraints violated as they may be on the source: " + notValid));
	}

}
