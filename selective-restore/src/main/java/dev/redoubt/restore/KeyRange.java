package dev.redoubt.restore;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.redoubt.core.manifest.ChunkRef;

/**
 * The range of the integer key column a row predicate allows: a chunk whose recorded key
 * bounds lie outside it cannot hold a selected row and is not fetched.
 *
 * <p>
 * Conservative by construction: a range comes only from a predicate understood exactly, a
 * conjunction ({@code AND}) of atoms each of which is {@code column op integer},
 * {@code integer op column}, {@code column BETWEEN integer AND integer} or
 * {@code column IS [NOT] NULL}, made of bare or quoted names, integer literals that fit a
 * {@code bigint}, and the operators {@code = < <= > >= <> !=}. Atoms on other columns,
 * and {@code <>}, are understood and only narrow the selection, so they bound nothing.
 * Any other text (OR, NOT, parentheses, casts, decimals, exponents, strings, a qualified
 * name, a second comparison on an atom such as {@code id > 5 = false}) gives no range,
 * and every chunk is fetched. Names compare as PostgreSQL resolves them: a bare name
 * folds to lower case, a quoted one is exact, so {@code customer_id} is never {@code id}
 * and {@code "ID"} never {@code id}. The predicate itself always selects the rows;
 * pruning only saves work.
 *
 * @param low smallest key allowed
 * @param high largest key allowed; below {@code low} when no key can match
 */
public record KeyRange(long low, long high) {

	private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);

	private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

	public static Optional<KeyRange> of(String predicate, String keyColumn) {
		if (predicate == null || keyColumn == null) {
			return Optional.empty();
		}
		List<Token> tokens = tokens(predicate);
		if (tokens == null) {
			return Optional.empty();
		}
		BigInteger low = MIN;
		BigInteger high = MAX;
		boolean bounded = false;
		int at = 0;
		while (true) {
			Atom atom = atom(tokens, at);
			if (atom == null) {
				return Optional.empty();
			}
			if (atom.column().equals(keyColumn) && atom.low() != null) {
				low = low.max(atom.low());
				bounded = true;
			}
			if (atom.column().equals(keyColumn) && atom.high() != null) {
				high = high.min(atom.high());
				bounded = true;
			}
			at = atom.end();
			if (at == tokens.size()) {
				break;
			}
			if (!tokens.get(at).isWord("and")) {
				return Optional.empty();
			}
			at++;
		}
		if (!bounded) {
			return Optional.empty();
		}
		if (low.compareTo(high) > 0 || low.compareTo(MAX) > 0 || high.compareTo(MIN) < 0) {
			return Optional.of(new KeyRange(0, -1));
		}
		return Optional.of(new KeyRange(low.max(MIN).longValueExact(), high.min(MAX).longValueExact()));
	}

	/** Whether the chunk may hold a key in this range (a chunk without bounds may). */
	public boolean mayHold(ChunkRef chunk) {
		if (chunk.keyMin() == null || chunk.keyMax() == null) {
			return true;
		}
		return Long.parseLong(chunk.keyMax()) >= this.low && Long.parseLong(chunk.keyMin()) <= this.high
				&& this.low <= this.high;
	}

	/**
	 * One atom starting at {@code at}: the column it is about, the bounds it sets on it
	 * (either may be {@code null}), and where it ends; {@code null} if not understood.
	 */
	private static Atom atom(List<Token> t, int at) {
		if (at + 2 < t.size() && t.get(at).kind() == Kind.NAME && t.get(at + 1).isWord("between")) {
			if (at + 4 < t.size() && t.get(at + 2).kind() == Kind.INTEGER && t.get(at + 3).isWord("and")
					&& t.get(at + 4).kind() == Kind.INTEGER) {
				return new Atom(t.get(at).text(), t.get(at + 2).value(), t.get(at + 4).value(), at + 5);
			}
			return null;
		}
		if (at + 2 < t.size() && t.get(at).kind() == Kind.NAME && t.get(at + 1).isWord("is")) {
			if (t.get(at + 2).isWord("null")) {
				return new Atom(t.get(at).text(), null, null, at + 3);
			}
			if (at + 3 < t.size() && t.get(at + 2).isWord("not") && t.get(at + 3).isWord("null")) {
				return new Atom(t.get(at).text(), null, null, at + 4);
			}
			return null;
		}
		if (at + 2 < t.size() && t.get(at + 1).kind() == Kind.OPERATOR) {
			Token left = t.get(at);
			Token right = t.get(at + 2);
			String op = t.get(at + 1).text();
			if (left.kind() == Kind.NAME && right.kind() == Kind.INTEGER) {
				return comparison(left.text(), op, right.value(), at + 3);
			}
			if (left.kind() == Kind.INTEGER && right.kind() == Kind.NAME) {
				return comparison(right.text(), mirrored(op), left.value(), at + 3);
			}
		}
		return null;
	}

	private static Atom comparison(String column, String op, BigInteger value, int end) {
		return switch (op) {
			case "=" -> new Atom(column, value, value, end);
			case ">=" -> new Atom(column, value, null, end);
			case ">" -> new Atom(column, value.add(BigInteger.ONE), null, end);
			case "<=" -> new Atom(column, null, value, end);
			case "<" -> new Atom(column, null, value.subtract(BigInteger.ONE), end);
			default -> new Atom(column, null, null, end); // <> and != bound nothing
		};
	}

	private static String mirrored(String op) {
		return switch (op) {
			case ">" -> "<";
			case ">=" -> "<=";
			case "<" -> ">";
			case "<=" -> ">=";
			default -> op;
		};
	}

	/**
	 * The predicate's tokens, or {@code null} if it holds anything this does not read.
	 */
	private static List<Token> tokens(String text) {
		List<Token> tokens = new ArrayList<>();
		int i = 0;
		while (i < text.length()) {
			char c = text.charAt(i);
			if (Character.isWhitespace(c)) {
				i++;
			}
			else if (c == '"') {
				StringBuilder name = new StringBuilder();
				int j = i + 1;
				while (true) {
					if (j >= text.length()) {
						return null;
					}
					if (text.charAt(j) == '"') {
						if (j + 1 < text.length() && text.charAt(j + 1) == '"') {
							name.append('"');
							j += 2;
							continue;
						}
						break;
					}
					name.append(text.charAt(j++));
				}
				tokens.add(new Token(Kind.NAME, name.toString(), null));
				i = j + 1;
			}
			else if (isNameStart(c)) {
				int j = i;
				while (j < text.length() && isNamePart(text.charAt(j))) {
					j++;
				}
				// a bare name folds to lower case, as PostgreSQL folds it (ASCII only)
				String word = text.substring(i, j).toLowerCase(Locale.ROOT);
				tokens.add(new Token(isKeyword(word) ? Kind.WORD : Kind.NAME, word, null));
				i = j;
			}
			else if (Character.isDigit(c) || (c == '-' && i + 1 < text.length() && Character.isDigit(text.charAt(i + 1))
					&& (tokens.isEmpty() || tokens.get(tokens.size() - 1).kind() != Kind.NAME
							&& tokens.get(tokens.size() - 1).kind() != Kind.INTEGER))) {
				int j = i + 1;
				while (j < text.length() && Character.isDigit(text.charAt(j))) {
					j++;
				}
				// 5e3, 5.5, 0x1F, 1_000: not an integer this reads
				if (j < text.length() && (isNamePart(text.charAt(j)) || text.charAt(j) == '.')) {
					return null;
				}
				tokens.add(new Token(Kind.INTEGER, text.substring(i, j), new BigInteger(text.substring(i, j))));
				i = j;
			}
			else {
				int j = i;
				while (j < text.length() && "<>=!".indexOf(text.charAt(j)) >= 0) {
					j++;
				}
				String op = text.substring(i, j);
				if (!List.of("=", "<", "<=", ">", ">=", "<>", "!=").contains(op)) {
					return null;
				}
				tokens.add(new Token(Kind.OPERATOR, op, null));
				i = j;
			}
		}
		return tokens;
	}

	private static boolean isKeyword(String word) {
		return List.of("and", "between", "is", "not", "null").contains(word);
	}

	private static boolean isNameStart(char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
	}

	private static boolean isNamePart(char c) {
		return isNameStart(c) || (c >= '0' && c <= '9') || c == '$';
	}

	private enum Kind {

		NAME, WORD, INTEGER, OPERATOR

	}

	private record Token(Kind kind, String text, BigInteger value) {

		boolean isWord(String word) {
			return this.kind == Kind.WORD && this.text.equals(word);
		}

	}

	private record Atom(String column, BigInteger low, BigInteger high, int end) {
	}

}
