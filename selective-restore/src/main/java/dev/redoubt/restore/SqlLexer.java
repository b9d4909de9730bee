package dev.redoubt.restore;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits the SQL that {@code pg_restore -f -} writes into statements of tokens, so that
 * names can be told apart from string literals, quoted identifiers, dollar-quoted bodies
 * and comments. Enough of PostgreSQL's lexical rules for DDL written by {@code pg_dump}:
 * bare and quoted identifiers, standard and {@code E''} strings, dollar quotes, nested
 * block comments, line comments and psql meta-commands (a line starting with a backslash,
 * such as {@code \restrict}).
 */
final class SqlLexer {

	enum Kind {

		/**
		 * An identifier or keyword; {@link Token#value} is unquoted (bare ones folded).
		 */
		NAME,
		/** A string literal; {@link Token#value} is its content. */
		STRING,
		/** {@code .}. */
		DOT,
		/** {@code ::}. */
		CAST,
		/** Any other character or run of them (numbers, operators, parentheses). */
		OTHER

	}

	/**
	 * One token.
	 *
	 * @param kind what it is
	 * @param value unquoted identifier, string content, or the text itself
	 * @param quoted whether a {@link Kind#NAME} was double-quoted
	 * @param start offset of its first character in the statement's text
	 * @param end offset after its last character
	 */
	record Token(Kind kind, String value, boolean quoted, int start, int end) {

		boolean isKeyword(String keyword) {
			return this.kind == Kind.NAME && !this.quoted && this.value.equalsIgnoreCase(keyword);
		}

	}

	/**
	 * One statement, without its terminating semicolon.
	 *
	 * @param text the statement's text
	 * @param tokens its tokens, offsets into {@code text}
	 */
	record Statement(String text, List<Token> tokens) {

		boolean startsWith(String... keywords) {
			if (this.tokens.size() < keywords.length) {
				return false;
			}
			for (int i = 0; i < keywords.length; i++) {
				if (!this.tokens.get(i).isKeyword(keywords[i])) {
					return false;
				}
			}
			return true;
		}

	}

	private final String sql;

	private int position;

	private SqlLexer(String sql) {
		this.sql = sql;
	}

	static List<Statement> statements(String sql) {
		return new SqlLexer(sql).split();
	}

	private List<Statement> split() {
		List<Statement> statements = new ArrayList<>();
		List<Token> tokens = new ArrayList<>();
		int statementStart = -1;
		while (true) {
			skipSpaceAndComments();
			if (this.position >= this.sql.length()) {
				break;
			}
			char c = this.sql.charAt(this.position);
			if (c == ';') {
				if (statementStart >= 0) {
					statements.add(statement(statementStart, tokens));
				}
				tokens = new ArrayList<>();
				statementStart = -1;
				this.position++;
				continue;
			}
			if (statementStart < 0) {
				statementStart = this.position;
			}
			tokens.add(next(c));
		}
		if (statementStart >= 0) {
			statements.add(statement(statementStart, tokens));
		}
		return statements;
	}

	private Statement statement(int start, List<Token> tokens) {
		int end = tokens.get(tokens.size() - 1).end();
		List<Token> shifted = tokens.stream()
			.map((t) -> new Token(t.kind(), t.value(), t.quoted(), t.start() - start, t.end() - start))
			.toList();
		return new Statement(this.sql.substring(start, end), shifted);
	}

	private void skipSpaceAndComments() {
		while (this.position < this.sql.length()) {
			char c = this.sql.charAt(this.position);
			if (Character.isWhitespace(c)) {
				this.position++;
			}
			else if (c == '-' && peek(1) == '-') {
				skipLine();
			}
			else if (c == '\\' && atLineStart()) {
				skipLine();
			}
			else if (c == '/' && peek(1) == '*') {
				skipBlockComment();
			}
			else {
				return;
			}
		}
	}

	private Token next(char c) {
		int start = this.position;
		if (c == '"') {
			return new Token(Kind.NAME, quotedIdentifier(), true, start, this.position);
		}
		if (c == '\'') {
			return new Token(Kind.STRING, string(false), false, start, this.position);
		}
		if ((c == 'E' || c == 'e') && peek(1) == '\'') {
			this.position++;
			return new Token(Kind.STRING, string(true), false, start, this.position);
		}
		if (c == '$' && dollarTagLength() > 0) {
			return new Token(Kind.STRING, dollarQuoted(), false, start, this.position);
		}
		if (Character.isLetter(c) || c == '_') {
			while (this.position < this.sql.length() && isIdentifierPart(this.sql.charAt(this.position))) {
				this.position++;
			}
			return new Token(Kind.NAME, this.sql.substring(start, this.position).toLowerCase(Locale.ROOT), false, start,
					this.position);
		}
		if (c == ':' && peek(1) == ':') {
			this.position += 2;
			return new Token(Kind.CAST, "::", false, start, this.position);
		}
		this.position++;
		return new Token((c == '.') ? Kind.DOT : Kind.OTHER, String.valueOf(c), false, start, this.position);
	}

	private static boolean isIdentifierPart(char c) {
		return Character.isLetterOrDigit(c) || c == '_' || c == '$';
	}

	private String quotedIdentifier() {
		StringBuilder value = new StringBuilder();
		this.position++;
		while (this.position < this.sql.length()) {
			char c = this.sql.charAt(this.position++);
			if (c == '"') {
				if (peek(0) == '"') {
					value.append('"');
					this.position++;
					continue;
				}
				return value.toString();
			}
			value.append(c);
		}
		throw new IllegalArgumentException("unterminated quoted identifier");
	}

	private String string(boolean escapes) {
		StringBuilder value = new StringBuilder();
		this.position++;
		while (this.position < this.sql.length()) {
			char c = this.sql.charAt(this.position++);
			if (escapes && c == '\\' && this.position < this.sql.length()) {
				value.append(c).append(this.sql.charAt(this.position++));
				continue;
			}
			if (c == '\'') {
				if (peek(0) == '\'') {
					value.append('\'');
					this.position++;
					continue;
				}
				return value.toString();
			}
			value.append(c);
		}
		throw new IllegalArgumentException("unterminated string literal");
	}

	/** Length of a {@code $tag$} opening at the position, 0 if there is none. */
	private int dollarTagLength() {
		int i = this.position + 1;
		while (i < this.sql.length() && (Character.isLetterOrDigit(this.sql.charAt(i)) || this.sql.charAt(i) == '_')) {
			i++;
		}
		return (i < this.sql.length() && this.sql.charAt(i) == '$') ? i + 1 - this.position : 0;
	}

	private String dollarQuoted() {
		String tag = this.sql.substring(this.position, this.position + dollarTagLength());
		int close = this.sql.indexOf(tag, this.position + tag.length());
		if (close < 0) {
			throw new IllegalArgumentException("unterminated dollar quote " + tag);
		}
		String value = this.sql.substring(this.position + tag.length(), close);
		this.position = close + tag.length();
		return value;
	}

	private void skipLine() {
		int newline = this.sql.indexOf('\n', this.position);
		this.position = (newline < 0) ? this.sql.length() : newline + 1;
	}

	private void skipBlockComment() {
		int depth = 0;
		while (this.position < this.sql.length()) {
			if (this.sql.startsWith("/*", this.position)) {
				depth++;
				this.position += 2;
			}
			else if (this.sql.startsWith("*/", this.position)) {
				this.position += 2;
				if (--depth == 0) {
					return;
				}
			}
			else {
				this.position++;
			}
		}
	}

	private boolean atLineStart() {
		return this.position == 0 || this.sql.charAt(this.position - 1) == '\n';
	}

	private char peek(int ahead) {
		int i = this.position + ahead;
		return (i < this.sql.length()) ? this.sql.charAt(i) : 0;
	}

}
