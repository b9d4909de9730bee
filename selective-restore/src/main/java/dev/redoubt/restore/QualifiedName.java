package dev.redoubt.restore;

import java.util.ArrayList;
import java.util.List;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.TableEntry;

/**
 * A {@code schema.table} name as a user types it: each part bare (folded to lower case,
 * as PostgreSQL does) or double-quoted (exact, {@code ""} for a quote), the schema
 * {@code public} when left out.
 *
 * @param schema the schema, unquoted
 * @param name the table, unquoted
 */
public record QualifiedName(String schema, String name) {

	public static QualifiedName parse(String text) {
		List<String> parts = new ArrayList<>();
		StringBuilder part = new StringBuilder();
		boolean quoted = false;
		boolean wasQuoted = false;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (quoted) {
				if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
					part.append('"');
					i++;
				}
				else if (c == '"') {
					quoted = false;
				}
				else {
					part.append(c);
				}
			}
			else if (c == '"') {
				quoted = true;
				wasQuoted = true;
			}
			else if (c == '.') {
				parts.add(finish(part, wasQuoted, text));
				part.setLength(0);
				wasQuoted = false;
			}
			else {
				part.append(c);
			}
		}
		if (quoted) {
			throw invalid(text, "an unterminated quote");
		}
		parts.add(finish(part, wasQuoted, text));
		if (parts.size() > 2) {
			throw invalid(text, "more than schema and table");
		}
		return (parts.size() == 1) ? new QualifiedName("public", parts.get(0))
				: new QualifiedName(parts.get(0), parts.get(1));
	}

	private static String finish(StringBuilder part, boolean quoted, String text) {
		String value = quoted ? part.toString() : part.toString().trim().toLowerCase(java.util.Locale.ROOT);
		if (value.isEmpty()) {
			throw invalid(text, "an empty name");
		}
		if (!quoted && !value.matches("[\\p{L}_][\\p{L}\\p{N}_$]*")) {
			throw invalid(text, "characters that need double quotes");
		}
		return value;
	}

	private static RedoubtException invalid(String text, String why) {
		return new RedoubtException(ErrorCode.INVALID_SELECTION, "'" + text + "' is not a table name: it has " + why,
				"write schema.table; quote a part with double quotes if it has capitals, spaces or punctuation", null);
	}

	/** {@code "schema"."name"}, quoted for SQL. */
	public String quoted() {
		return TableEntry.quote(this.schema) + "." + TableEntry.quote(this.name);
	}

	public boolean matches(TableEntry table) {
		return table.schema().equals(this.schema) && table.name().equals(this.name);
	}

	@Override
	public String toString() {
		return quoted();
	}

}
