package dev.redoubt.restore;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.redoubt.core.manifest.ChunkRef;

/**
 * The range of the integer key column a row predicate allows, read conservatively from
 * predicates like {@code id BETWEEN 1000 AND 1999} or {@code id >= 10 AND id < 20 AND
 * note IS NULL}: a chunk whose recorded key bounds lie outside it cannot hold a selected
 * row and is not fetched. Anything this does not understand (OR, NOT, parentheses, casts)
 * gives no range, and every chunk is fetched; the predicate itself is always applied to
 * the staged rows, so pruning only saves work, it never decides.
 *
 * @param low smallest key allowed
 * @param high largest key allowed
 */
public record KeyRange(long low, long high) {

	private static final String NUMBER = "(-?\\d{1,18})";

	public static Optional<KeyRange> of(String predicate, String keyColumn) {
		if (predicate == null || keyColumn == null) {
			return Optional.empty();
		}
		String text = predicate.trim();
		String upper = text.toUpperCase(Locale.ROOT);
		if (upper.matches("(?s).*\\b(OR|NOT)\\b.*") || text.contains("(") || text.contains("'")) {
			return Optional.empty();
		}
		String column = "(?:\"" + Pattern.quote(keyColumn.replace("\"", "\"\"")) + "\""
				+ (keyColumn.matches("[a-z_][a-z0-9_]*") ? "|" + Pattern.quote(keyColumn) : "") + ")";
		long low = Long.MIN_VALUE;
		long high = Long.MAX_VALUE;
		boolean bounded = false;
		Matcher between = Pattern.compile("(?i)" + column + "\\s+BETWEEN\\s+" + NUMBER + "\\s+AND\\s+" + NUMBER)
			.matcher(text);
		if (between.find()) {
			low = Long.parseLong(between.group(1));
			high = Long.parseLong(between.group(2));
			bounded = true;
			text = text.substring(0, between.start()) + text.substring(between.end());
		}
		Pattern comparison = Pattern.compile("(?i)^\\s*" + column + "\\s*(>=|<=|>|<|=)\\s*" + NUMBER + "\\s*$");
		for (String part : text.split("(?i)\\bAND\\b")) {
			Matcher matcher = comparison.matcher(part);
			if (!matcher.matches()) {
				continue;
			}
			long value = Long.parseLong(matcher.group(2));
			switch (matcher.group(1)) {
				case ">=" -> low = Math.max(low, value);
				case ">" -> low = Math.max(low, value + 1);
				case "<=" -> high = Math.min(high, value);
				case "<" -> high = Math.min(high, value - 1);
				default -> {
					low = Math.max(low, value);
					high = Math.min(high, value);
				}
			}
			bounded = true;
		}
		return bounded ? Optional.of(new KeyRange(low, high)) : Optional.empty();
	}

	/** Whether the chunk may hold a key in this range (a chunk without bounds may). */
	public boolean mayHold(ChunkRef chunk) {
		if (chunk.keyMin() == null || chunk.keyMax() == null) {
			return true;
		}
		return Long.parseLong(chunk.keyMax()) >= this.low && Long.parseLong(chunk.keyMin()) <= this.high;
	}

}
