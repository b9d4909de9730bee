package dev.redoubt.restore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.restore.SqlLexer.Statement;
import dev.redoubt.restore.SqlLexer.Token;

/**
 * The DDL of tables as the backup's {@code pg_dump} wrote it, statement by statement,
 * each tied to the table it defines, and rewritten to create the same objects under
 * another schema or name: the table itself, its owned sequences (serial and identity),
 * defaults, check, primary-key and unique constraints, indexes, foreign keys and
 * triggers. Only the qualified names of the restored tables and their sequences are
 * rewritten (and, under a new name, index and constraint names); every other name, a type
 * or function of the source schema, still points where it pointed, so the copy behaves
 * like the original.
 */
final class TableDefinitions {

	/** The {@code pg_restore -l} entry types that can define part of a table. */
	static final List<String> ENTRY_TYPES = List.of("SEQUENCE OWNED BY", "FK CONSTRAINT", "CHECK CONSTRAINT",
			"CONSTRAINT", "SEQUENCE", "DEFAULT", "INDEX", "TRIGGER", "TABLE");

	enum Kind {

		TABLE, SEQUENCE, OWNED_BY, IDENTITY, DEFAULT, CONSTRAINT, FOREIGN_KEY, INDEX, TRIGGER

	}

	/**
	 * One statement of the script.
	 *
	 * @param kind what it defines
	 * @param subject the table (or, for {@link Kind#SEQUENCE}, the sequence) it defines
	 * @param sequence the sequence an identity column or {@code OWNED BY} ties to the
	 * table, or {@code null}
	 * @param nameToken index of the token naming a constraint or index, or -1
	 * @param statement the statement
	 */
	record Definition(Kind kind, QualifiedName subject, QualifiedName sequence, int nameToken, Statement statement) {
	}

	/**
	 * The statements of one table, in the order {@code pg_dump} wrote them.
	 *
	 * @param table the {@code CREATE TABLE}
	 * @param beforeRows sequences, identity and defaults: run before the rows are loaded
	 * @param afterRows constraints and indexes: built once the rows are in
	 * @param foreignKeys foreign keys of the table
	 * @param triggers triggers on the table
	 * @param sequences the sequences the table owns
	 */
	record Table(Definition table, List<Definition> beforeRows, List<Definition> afterRows,
			List<Definition> foreignKeys, List<Definition> triggers, List<QualifiedName> sequences) {

		/** The {@code CREATE TABLE} and what must follow it before rows are loaded. */
		List<Definition> creation() {
			List<Definition> creation = new ArrayList<>();
			creation.add(this.table);
			creation.addAll(this.beforeRows);
			return creation;
		}

	}

	private final List<Definition> definitions;

	private TableDefinitions(List<Definition> definitions) {
		this.definitions = definitions;
	}

	/**
	 * Reads the script {@code pg_restore -f -} wrote for {@link #ENTRY_TYPES} entries.
	 */
	static TableDefinitions parse(String script) {
		List<Definition> definitions = new ArrayList<>();
		for (Statement statement : SqlLexer.statements(script)) {
			classify(statement).ifPresent(definitions::add);
		}
		return new TableDefinitions(definitions);
	}

	Table of(TableEntry entry) {
		QualifiedName name = new QualifiedName(entry.schema(), entry.name());
		Definition table = null;
		List<Definition> before = new ArrayList<>();
		List<Definition> after = new ArrayList<>();
		List<Definition> foreignKeys = new ArrayList<>();
		List<Definition> triggers = new ArrayList<>();
		List<QualifiedName> sequences = new ArrayList<>();
		for (Definition definition : this.definitions) {
			if ((definition.kind() == Kind.OWNED_BY || definition.kind() == Kind.IDENTITY)
					&& definition.subject().equals(name)) {
				sequences.add(definition.sequence());
			}
		}
		for (Definition definition : this.definitions) {
			boolean ours = definition.subject().equals(name);
			switch (definition.kind()) {
				case TABLE -> table = ours ? definition : table;
				case SEQUENCE -> {
					if (sequences.contains(definition.subject())) {
						before.add(definition);
					}
				}
				case OWNED_BY, IDENTITY, DEFAULT -> add(before, definition, ours);
				case CONSTRAINT, INDEX -> add(after, definition, ours);
				case FOREIGN_KEY -> add(foreignKeys, definition, ours);
				case TRIGGER -> add(triggers, definition, ours);
			}
		}
		if (table == null) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
					"the backup's schema archive holds no CREATE TABLE for " + entry.qualifiedName());
		}
		if (inheritsOrIsPartition(table.statement())) {
			throw new RedoubtException(ErrorCode.INVALID_SELECTION, entry.qualifiedName()
					+ " inherits its columns from a parent table; a copy beside the live table would join that parent,"
					+ " so it is not restored this way",
					"restore the backup into an empty database and copy the rows from there", null);
		}
		return new Table(table, before, after, foreignKeys, triggers, sequences);
	}

	private static void add(List<Definition> list, Definition definition, boolean ours) {
		if (ours) {
			list.add(definition);
		}
	}

	/**
	 * The statement with the qualified names in {@code names} replaced (also inside
	 * {@code '...'::regclass} literals) and the constraint or index name it creates
	 * passed through {@code rename}.
	 */
	static String relocate(Definition definition, Map<QualifiedName, QualifiedName> names,
			UnaryOperator<String> rename) {
		Statement statement = definition.statement();
		List<Token> tokens = statement.tokens();
		StringBuilder sql = new StringBuilder();
		int copied = 0;
		for (int i = 0; i < tokens.size(); i++) {
			Token token = tokens.get(i);
			String replacement = null;
			int last = i;
			if (i == definition.nameToken()) {
				replacement = TableEntry.quote(rename.apply(token.value()));
			}
			else if (token.kind() == SqlLexer.Kind.NAME && (i == 0 || tokens.get(i - 1).kind() != SqlLexer.Kind.DOT)) {
				QualifiedName name = qualifiedAt(tokens, i);
				if (name != null && names.containsKey(name)) {
					replacement = names.get(name).quoted();
					last = i + 2;
				}
			}
			else if (token.kind() == SqlLexer.Kind.STRING && i + 2 < tokens.size()
					&& tokens.get(i + 1).kind() == SqlLexer.Kind.CAST && tokens.get(i + 2).isKeyword("regclass")) {
				QualifiedName name = parseQuietly(token.value());
				if (name != null && names.containsKey(name)) {
					replacement = "'" + names.get(name).quoted().replace("'", "''") + "'";
				}
			}
			if (replacement != null) {
				sql.append(statement.text(), copied, token.start()).append(replacement);
				copied = tokens.get(last).end();
				i = last;
			}
		}
		return sql.append(statement.text().substring(copied)).toString();
	}

	/** The table a foreign key references, or {@code null} if it cannot be read. */
	static QualifiedName referenced(Definition foreignKey) {
		List<Token> tokens = foreignKey.statement().tokens();
		int references = indexOf(tokens, 0, "references");
		return (references < 0) ? null : qualifiedAt(tokens, references + 1);
	}

	/** The {@code CREATE TABLE} as a temporary table of that name (never unlogged). */
	static String asTemporary(Definition table, QualifiedName original, String temporaryName) {
		String sql = relocate(table, Map.of(original, new QualifiedName("pg_temp", temporaryName)), (n) -> n);
		Token unlogged = table.statement().tokens().get(1);
		return unlogged.isKeyword("unlogged") ? sql.replaceFirst("(?i)^CREATE\\s+UNLOGGED\\s+", "CREATE ") : sql;
	}

	private static Optional<Definition> classify(Statement statement) {
		List<Token> t = statement.tokens();
		if (statement.startsWith("create", "table") || statement.startsWith("create", "unlogged", "table")) {
			int at = t.get(1).isKeyword("unlogged") ? 3 : 2;
			return definition(Kind.TABLE, qualifiedAt(t, at), null, -1, statement);
		}
		if (statement.startsWith("create", "sequence")) {
			return definition(Kind.SEQUENCE, qualifiedAt(t, 2), null, -1, statement);
		}
		if (statement.startsWith("alter", "sequence")) {
			int by = indexOf(t, 5, "by");
			return (by < 0) ? Optional.empty()
					: definition(Kind.OWNED_BY, qualifiedAt(t, by + 1), qualifiedAt(t, 2), -1, statement);
		}
		if (statement.startsWith("alter", "table")) {
			int at = t.get(2).isKeyword("only") ? 3 : 2;
			QualifiedName table = qualifiedAt(t, at);
			int rest = at + 3;
			if (hasAt(t, rest, "alter", "column") && indexOf(t, rest, "generated") > 0) {
				int name = indexOf(t, rest, "name");
				return definition(Kind.IDENTITY, table, (name < 0) ? null : qualifiedAt(t, name + 1), -1, statement);
			}
			if (hasAt(t, rest, "alter", "column") && indexOf(t, rest, "default") > 0) {
				return definition(Kind.DEFAULT, table, null, -1, statement);
			}
			if (hasAt(t, rest, "add", "constraint")) {
				boolean foreign = hasAt(t, rest + 3, "foreign", "key");
				return definition(foreign ? Kind.FOREIGN_KEY : Kind.CONSTRAINT, table, null, rest + 2, statement);
			}
			return Optional.empty();
		}
		if (statement.startsWith("create", "index") || statement.startsWith("create", "unique", "index")) {
			int name = t.get(1).isKeyword("unique") ? 3 : 2;
			int on = indexOf(t, name, "on");
			int at = (on > 0 && t.get(on + 1).isKeyword("only")) ? on + 2 : on + 1;
			return (on < 0) ? Optional.empty() : definition(Kind.INDEX, qualifiedAt(t, at), null, name, statement);
		}
		if (statement.startsWith("create", "trigger") || statement.startsWith("create", "constraint", "trigger")) {
			int on = indexOf(t, 3, "on");
			return (on < 0) ? Optional.empty() : definition(Kind.TRIGGER, qualifiedAt(t, on + 1), null, -1, statement);
		}
		return Optional.empty();
	}

	private static Optional<Definition> definition(Kind kind, QualifiedName subject, QualifiedName sequence,
			int nameToken, Statement statement) {
		return (subject == null) ? Optional.empty()
				: Optional.of(new Definition(kind, subject, sequence, nameToken, statement));
	}

	/** {@code schema.name} starting at token {@code i}, or {@code null}. */
	private static QualifiedName qualifiedAt(List<Token> tokens, int i) {
		if (i < 0 || i + 2 >= tokens.size()) {
			return null;
		}
		Token schema = tokens.get(i);
		Token dot = tokens.get(i + 1);
		Token name = tokens.get(i + 2);
		if (schema.kind() != SqlLexer.Kind.NAME || dot.kind() != SqlLexer.Kind.DOT
				|| name.kind() != SqlLexer.Kind.NAME) {
			return null;
		}
		return new QualifiedName(schema.value(), name.value());
	}

	private static int indexOf(List<Token> tokens, int from, String keyword) {
		for (int i = Math.max(0, from); i < tokens.size(); i++) {
			if (tokens.get(i).isKeyword(keyword)) {
				return i;
			}
		}
		return -1;
	}

	private static boolean hasAt(List<Token> tokens, int at, String... keywords) {
		for (int i = 0; i < keywords.length; i++) {
			if (at + i >= tokens.size() || !tokens.get(at + i).isKeyword(keywords[i])) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Whether a {@code CREATE TABLE} makes a child of another table: {@code PARTITION OF}
	 * right after its name, or {@code INHERITS} after its column list.
	 */
	private static boolean inheritsOrIsPartition(Statement statement) {
		List<Token> t = statement.tokens();
		int name = t.get(1).isKeyword("unlogged") ? 3 : 2;
		if (hasAt(t, name + 3, "partition", "of")) {
			return true;
		}
		for (int i = 1; i < t.size(); i++) {
			if (t.get(i).isKeyword("inherits") && ")".equals(t.get(i - 1).value())
					&& t.get(i - 1).kind() == SqlLexer.Kind.OTHER) {
				return true;
			}
		}
		return false;
	}

	private static QualifiedName parseQuietly(String text) {
		try {
			return text.contains(".") ? QualifiedName.parse(text) : null;
		}
		catch (RedoubtException ex) {
			return null;
		}
	}

}
