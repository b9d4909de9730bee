package dev.redoubt.verify.check;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import dev.redoubt.core.manifest.Manifest.SequenceEntry;
import dev.redoubt.core.manifest.TableEntry;

/**
 * Check 6: every sequence has the value and {@code is_called} flag recorded at backup
 * time, and the database holds as many large objects as recorded.
 */
public final class SequencesAndLargeObjectsCheck implements VerificationCheck {

	@Override
	public String id() {
		return "sequences";
	}

	@Override
	public String title() {
		return "Sequence values and large-object count equal the manifest";
	}

	@Override
	public Outcome run(VerificationContext context) throws Exception {
		List<String> problems = new ArrayList<>();
		try (Connection connection = context.open(); Statement statement = connection.createStatement()) {
			for (SequenceEntry sequence : context.manifest().sequences()) {
				String name = TableEntry.quote(sequence.schema()) + "." + TableEntry.quote(sequence.name());
				try (ResultSet rows = statement.executeQuery("SELECT last_value, is_called FROM " + name)) {
					rows.next();
					long value = rows.getLong(1);
					boolean called = rows.getBoolean(2);
					if (value != sequence.lastValue() || called != sequence.isCalled()) {
						problems.add(name + " is at " + value + (called ? " (called)" : "") + ", the manifest records "
								+ sequence.lastValue() + (sequence.isCalled() ? " (called)" : ""));
					}
				}
			}
			try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM pg_largeobject_metadata")) {
				rows.next();
				long count = rows.getLong(1);
				if (count != context.manifest().largeObjects().count()) {
					problems.add(count + " large objects, the manifest records "
							+ context.manifest().largeObjects().count());
				}
			}
		}
		return Outcome.of(problems, context.manifest().sequences().size() + " sequences and "
				+ context.manifest().largeObjects().count() + " large objects as recorded");
	}

}
