package dev.redoubt.verify.check;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import dev.redoubt.core.manifest.TableEntry;

/** Check 4: each table holds as many rows as the manifest recorded at backup time. */
public final class RowCountCheck implements VerificationCheck {

	@Override
	public String id() {
		return "row-counts";
	}

	@Override
	public String title() {
		return "Row count per table equals the manifest";
	}

	@Override
	public Outcome run(VerificationContext context) throws Exception {
		List<String> problems = new ArrayList<>();
		long total = 0;
		try (Connection connection = context.open(); Statement statement = connection.createStatement()) {
			for (TableEntry table : context.manifest().tables()) {
				try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM ONLY " + table.qualifiedName())) {
					rows.next();
					long count = rows.getLong(1);
					total += count;
					if (count != table.rows()) {
						problems.add(table.qualifiedName() + " has " + count + " rows, the manifest records "
								+ table.rows());
					}
				}
			}
		}
		return Outcome.of(problems, context.manifest().tables().size() + " tables, " + total + " rows, as recorded");
	}

}
