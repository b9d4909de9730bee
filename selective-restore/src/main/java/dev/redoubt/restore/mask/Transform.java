package dev.redoubt.restore.mask;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a masking rule does to a column's values, as a policy writes it:
 * <ul>
 * <li>{@code keep}; {@code null}; {@code constant VALUE}; {@code redact} (letters become
 * {@code x}, digits {@code 0}, the rest stays: the length and shape survive);</li>
 * <li>{@code hash}: a keyed, deterministic, one-to-one stand-in: text becomes {@code h}
 * and 24 hex digits, an integer another integer of the same type and sign (a keyed
 * permutation, so a unique column stays unique and foreign keys still join), a uuid
 * another uuid;</li>
 * <li>{@code email}, {@code first-name}, {@code last-name}, {@code full-name},
 * {@code phone} (every digit replaced, the punctuation kept), {@code iban} (the country
 * kept, the rest replaced, the check digits made valid): deterministic fakes;</li>
 * <li>{@code noise N%} for numbers (within N percent, at the value's scale) and
 * {@code noise Nd} for dates and timestamps (within N days).</li>
 * </ul>
 * Every transform but {@code keep}, {@code null} and {@code constant} depends on the
 * masking key and the value only: the same value masks alike in every column and every
 * refresh with the same key. A {@code NULL} stays {@code NULL}.
 */
public final class Transform {

	private static final Pattern NOISE = Pattern.compile("noise\\s+([0-9]+(?:\\.[0-9]+)?)\\s*(%|d)");

	private static final List<String> FIRST_NAMES = List.of("Ada", "Alan", "Alice", "Amir", "Anna", "Ben", "Bianca",
			"Carlos", "Chen", "Clara", "Dana", "David", "Elena", "Emil", "Eva", "Farah", "Felix", "Grace", "Hana",
			"Hugo", "Ines", "Ivan", "Jade", "Jonas", "Julia", "Kai", "Karin", "Lars", "Lea", "Leo", "Lina", "Luca",
			"Maya", "Milan", "Mira", "Nadia", "Nils", "Noor", "Omar", "Olga", "Paul", "Priya", "Rafael", "Rosa", "Sami",
			"Sara", "Sven", "Tara", "Tomas", "Uma", "Vera", "Victor", "Wanda", "Xavier", "Yara", "Yusuf", "Zoe", "Aiko",
			"Bruno", "Chiara", "Diego", "Erik", "Fatima", "Goran");

	private static final List<String> LAST_NAMES = List.of("Abbott", "Berg", "Castillo", "Dahl", "Eriksen", "Fischer",
			"Garcia", "Hansen", "Ito", "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Novak", "Olsen", "Petrov",
			"Quinn", "Rossi", "Schmidt", "Tanaka", "Ueda", "Vargas", "Weber", "Xu", "Young", "Zimmer", "Almeida",
			"Bauer", "Costa", "Dubois", "Engel", "Ferreira", "Gruber", "Horvat", "Ivanova", "Janssen", "Keller",
			"Lindqvist", "Meyer", "Nilsen", "Ortega", "Peeters", "Richter", "Santos", "Torres", "Urban", "Vogel",
			"Wagner", "Yilmaz", "Zeller", "Baker", "Clarke", "Dunn", "Evans", "Foster", "Grant", "Hughes", "Irwin",
			"Jones", "Kerr", "Lowe", "Moss", "Nash");

	private final String text;

	private final String kind;

	private final String argument;

	private Transform(String text, String kind, String argument) {
		this.text = text;
		this.kind = kind;
		this.argument = argument;
	}

	/**
	 * The transform a policy names.
	 * @throws IllegalArgumentException naming what is wrong
	 */
	public static Transform parse(String text) {
		if (text == null || text.isBlank()) {
			throw new IllegalArgumentException("an empty transform");
		}
		String trimmed = text.strip();
		String lower = trimmed.toLowerCase(Locale.ROOT);
		if (lower.startsWith("constant ")) {
			return new Transform(trimmed, "constant", trimmed.substring("constant ".length()));
		}
		Matcher noise = NOISE.matcher(lower);
		if (noise.matches()) {
			if (new BigDecimal(noise.group(1)).signum() <= 0) {
				throw new IllegalArgumentException("'" + trimmed + "': the noise must be more than 0");
			}
			return new Transform(trimmed, noise.group(2).equals("%") ? "noise-percent" : "noise-days", noise.group(1));
		}
		if (List.of("keep", "null", "redact", "hash", "email", "first-name", "last-name", "full-name", "phone", "iban")
			.contains(lower)) {
			return new Transform(trimmed, lower, null);
		}
		throw new IllegalArgumentException("'" + trimmed + "' is not a transform: keep, null, constant VALUE, redact, "
				+ "hash, email, first-name, last-name, full-name, phone, iban, noise N%, noise Nd");
	}

	boolean keeps() {
		return this.kind.equals("keep");
	}

	@Override
	public String toString() {
		return this.text;
	}

	/**
	 * This transform for {@code column}: a function of a value's COPY text (never
	 * {@code null}) to the masked text, or {@code null} for {@code NULL}.
	 * @throws IllegalArgumentException if it does not fit the column's type
	 */
	UnaryOperator<String> bind(ColumnInfo column, MaskingKey key) {
		char category = column.category();
		return switch (this.kind) {
			case "keep" -> UnaryOperator.identity();
			case "null" -> {
				if (column.notNull()) {
					throw unfit(column, "the column is NOT NULL");
				}
				yield (value) -> null;
			}
			case "constant" -> new Constant(this.argument);
			case "redact" -> text(column, (value) -> redact(value));
			case "hash" -> hash(column, key);
			case "email" -> text(column, (value) -> fit(column, "u" + hex(key, "email", value, 16) + "@example.org"));
			case "first-name" -> text(column, (value) -> differ(value,
					(attempt) -> fit(column, styled(value, pick(key, "first" + attempt, value, FIRST_NAMES)))));
			case "last-name" -> text(column, (value) -> differ(value,
					(attempt) -> fit(column, styled(value, pick(key, "last" + attempt, value, LAST_NAMES)))));
			case "full-name" -> text(column, (value) -> differ(value, (attempt) -> fit(column, styled(value,
					pick(key, "first" + attempt, value, FIRST_NAMES) + " " + pick(key, "last", value, LAST_NAMES)))));
			case "phone" -> text(column, (value) -> differ(value, (attempt) -> digits(key, "phone" + attempt, value)));
			case "iban" -> text(column, (value) -> differ(value, (attempt) -> iban(key, "iban" + attempt, value)));
			case "noise-percent" -> {
				if (category != 'N') {
					throw unfit(column, "noise N% is for numbers");
				}
				BigDecimal share = new BigDecimal(this.argument).movePointLeft(2);
				yield (value) -> noiseNumber(column, key, value, share);
			}
			case "noise-days" -> {
				if (category != 'D'
						|| column.baseType().startsWith("time") && !column.baseType().startsWith("timestamp")
						|| column.baseType().equals("interval")) {
					throw unfit(column, "noise Nd is for dates and timestamps");
				}
				long days = new BigDecimal(this.argument).setScale(0, RoundingMode.CEILING).longValueExact();
				yield (value) -> noiseDate(key, value, days);
			}
			default -> throw new IllegalStateException(this.kind);
		};
	}

	/** A constant hides the value whatever it was: one equal to it is no leak. */
	record Constant(String value) implements UnaryOperator<String> {

		@Override
		public String apply(String original) {
			return this.value;
		}

	}

	private IllegalArgumentException unfit(ColumnInfo column, String why) {
		return new IllegalArgumentException(
				column.path() + " (" + column.type() + "): '" + this.text + "' does not fit: " + why);
	}

	private UnaryOperator<String> text(ColumnInfo column, UnaryOperator<String> mask) {
		if (column.category() != 'S') {
			throw unfit(column, "it is for text columns");
		}
		return mask;
	}

	private UnaryOperator<String> hash(ColumnInfo column, MaskingKey key) {
		if (column.integer()) {
			return (value) -> Long.toString(permute(key, Long.parseLong(value), column.integerBits()));
		}
		if (column.baseType().equals("uuid")) {
			return (value) -> {
				String hex = hex(key, "uuid", value.toLowerCase(Locale.ROOT), 32);
				return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
						+ hex.substring(16, 20) + "-" + hex.substring(20);
			};
		}
		return text(column, (value) -> fit(column, "h" + hex(key, "hash", value, 24)));
	}

	/**
	 * A keyed permutation of the integers of {@code bits} bits, sign kept: a balanced
	 * four-round Feistel network over {@code bits + 1} bits, walked until it lands in
	 * range (cycle walking keeps it one-to-one).
	 */
	static long permute(MaskingKey key, long value, int bits) {
		boolean negative = value < 0;
		long n = negative ? -(value + 1) : value;
		int width = bits + 1;
		int half = width / 2;
		long mask = (1L << half) - 1;
		long limit = (bits == 63) ? Long.MAX_VALUE : (1L << bits) - 1;
		long x = n;
		do {
			long left = (x >>> half) & mask;
			long right = x & mask;
			for (int round = 0; round < 4; round++) {
				long f = key.number("feistel|" + width + "|" + round, Long.toString(right)) & mask;
				long next = left ^ f;
				left = right;
				right = next;
			}
			x = (left << half) | right;
		}
		while (Long.compareUnsigned(x, limit) > 0);
		return negative ? -x - 1 : x;
	}

	private static String hex(MaskingKey key, String purpose, String value, int digits) {
		return HexFormat.of().formatHex(key.hmac(purpose, value)).substring(0, digits);
	}

	private static String pick(MaskingKey key, String purpose, String value, List<String> from) {
		return from.get((int) (key.number(purpose, value) % from.size()));
	}

	/** A fake name in the original's style: upper-case for upper-case originals. */
	private static String styled(String original, String fake) {
		boolean upper = original.equals(original.toUpperCase(Locale.ROOT))
				&& !original.equals(original.toLowerCase(Locale.ROOT));
		return upper ? fake.toUpperCase(Locale.ROOT) : fake;
	}

	private static String fit(ColumnInfo column, String value) {
		return (column.maxLength() > 0 && value.length() > column.maxLength()) ? value.substring(0, column.maxLength())
				: value;
	}

	static String redact(String value) {
		StringBuilder out = new StringBuilder(value.length());
		value.codePoints()
			.forEach((c) -> out.appendCodePoint(Character.isLetter(c) ? 'x' : Character.isDigit(c) ? '0' : c));
		return out.toString();
	}

	/**
	 * Tries derivations until one differs from the original (a fake equal to it hides
	 * nothing).
	 */
	private static String differ(String value, java.util.function.IntFunction<String> candidate) {
		for (int attempt = 0; attempt < 16; attempt++) {
			String masked = candidate.apply(attempt);
			if (!masked.equals(value)) {
				return masked;
			}
		}
		return candidate.apply(16);
	}

	private static String digits(MaskingKey key, String purpose, String value) {
		byte[] stream = key.hmac(purpose, value);
		StringBuilder out = new StringBuilder(value.length());
		int i = 0;
		for (char c : value.toCharArray()) {
			if (c >= '0' && c <= '9') {
				out.append((char) ('0' + ((stream[i++ % stream.length] & 0xFF) + i / 32) % 10));
			}
			else {
				out.append(c);
			}
		}
		return out.toString();
	}

	/**
	 * The country code kept, every other letter and digit replaced, the check digits
	 * valid.
	 */
	static String iban(MaskingKey key, String purpose, String value) {
		String compact = value.replace(" ", "").toUpperCase(Locale.ROOT);
		if (compact.length() < 5 || !compact.substring(0, 2).chars().allMatch(Character::isLetter)) {
			return digits(key, purpose, value);
		}
		byte[] stream = key.hmac(purpose, compact);
		StringBuilder bban = new StringBuilder();
		for (int i = 4; i < compact.length(); i++) {
			char c = compact.charAt(i);
			int r = stream[(i - 4) % stream.length] & 0xFF;
			bban.append(
					Character.isDigit(c) ? (char) ('0' + r % 10) : Character.isLetter(c) ? (char) ('A' + r % 26) : c);
		}
		String country = compact.substring(0, 2);
		StringBuilder numeric = new StringBuilder();
		for (char c : (bban + country + "00").toCharArray()) {
			numeric.append(Character.isLetter(c) ? Integer.toString(c - 'A' + 10) : Character.toString(c));
		}
		int check = 98 - new BigInteger(numeric.toString()).mod(BigInteger.valueOf(97)).intValue();
		String masked = country + String.format("%02d", check) + bban;
		// the original's grouping
		StringBuilder out = new StringBuilder();
		int at = 0;
		for (char c : value.toCharArray()) {
			if (c == ' ') {
				out.append(' ');
			}
			else if (at < masked.length()) {
				out.append(masked.charAt(at++));
			}
		}
		return out.toString();
	}

	private static String noiseNumber(ColumnInfo column, MaskingKey key, String value, BigDecimal share) {
		BigDecimal original;
		try {
			original = new BigDecimal(value);
		}
		catch (NumberFormatException ex) {
			return value; // NaN, Infinity
		}
		// r in [-1, 1], never 0
		long n = key.number("noise", value) % 2_000_000L;
		BigDecimal r = BigDecimal.valueOf(n - 1_000_000L + ((n == 1_000_000L) ? 1 : 0)).movePointLeft(6);
		int scale = column.integer() ? 0 : Math.max(0, original.scale());
		BigDecimal masked = original.add(original.abs().multiply(share).multiply(r))
			.setScale(scale, RoundingMode.HALF_EVEN);
		if (masked.compareTo(original) == 0) {
			masked = masked
				.add(BigDecimal.ONE.movePointLeft(scale).multiply(BigDecimal.valueOf((n % 2 == 0) ? 1 : -1)));
		}
		if (column.integer()) {
			BigDecimal max = BigDecimal.valueOf(2).pow(column.integerBits()).subtract(BigDecimal.ONE);
			masked = masked.min(max).max(max.negate().subtract(BigDecimal.ONE));
		}
		return masked.toPlainString();
	}

	private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss");

	private static String noiseDate(MaskingKey key, String value, long days) {
		// r in [-days, days] days (in seconds for timestamps), never 0
		long n = key.number("noise", value);
		try {
			if (value.length() == 10) {
				long shift = n % (2 * days + 1) - days;
				return LocalDate.parse(value).plusDays((shift == 0) ? 1 : shift).toString();
			}
			if (value.length() >= 19 && value.charAt(10) == ' ') {
				long seconds = days * 86_400;
				long shift = n % (2 * seconds + 1) - seconds;
				LocalDateTime at = LocalDateTime.parse(value.substring(0, 19), SECONDS)
					.plusSeconds((shift == 0) ? 1 : shift);
				return at.format(SECONDS) + value.substring(19);
			}
		}
		catch (DateTimeParseException ex) {
			// infinity, BC dates: left as they are
		}
		return value;
	}

}
