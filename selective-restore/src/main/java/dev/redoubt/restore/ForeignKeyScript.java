package dev.redoubt.restore;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the foreign keys out of the SQL that {@code pg_restore -f -} writes for a list of
 * {@code FK CONSTRAINT} entries: one
 * {@code ALTER TABLE [ONLY] schema.table ADD CONSTRAINT
 * name FOREIGN KEY ...;} statement each, names quoted where PostgreSQL needs it.
 */
final class ForeignKeyScript {

	private static final String IDENTIFIER = "(?:\"(?:[^\"]|\"\")*\"|[^\\s.\"]+)";

	private static final Pattern STATEMENT = Pattern.compile("ALTER TABLE (?:ONLY )?(" + IDENTIFIER + ")\\.("
			+ IDENTIFIER + ")\\s+ADD CONSTRAINT (" + IDENTIFIER + ") FOREIGN KEY .*?;\\s*$",
			Pattern.MULTILINE | Pattern.DOTALL);

	private ForeignKeyScript() {
	}

	static List<ForeignKeyDefinition> parse(String script) {
		List<ForeignKeyDefinition> keys = new ArrayList<>();
		Matcher matcher = STATEMENT.matcher(script);
		while (matcher.find()) {
			keys.add(new ForeignKeyDefinition(matcher.group(1), matcher.group(2), matcher.group(3),
					matcher.group().trim()));
		}
		return keys;
	}

}
