package dev.redoubt.restore.mask;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.TableEntry;
import java.util.concurrent.atomic.LongAdder;

/**
 * A masking policy: which transform each column gets, as a YAML file.
 *
 * <pre>
 * strict: true                 # the default: a column no rule classifies stops the run
 * rules:                       # the first rule that matches a column decides
 *   - { column: public.customer.email, transform: email }
 *   - { column: "public.customer.*_name", transform: last-name }
 *   - { table: public.film, transform: keep }
 *   - { name: "*phone*", transform: phone }
 *   - { type: "timestamp*", transform: noise 30d }
 * </pre>
 *
 * A rule has one selector, a pattern ({@code *} any run of characters, {@code ?} one)
 * matched against {@code schema.table.column} ({@code column}), {@code schema.table}
 * ({@code table}), the column's name ({@code name}) or its type as {@code format_type}
 * shows it, or the base type of a domain ({@code type}). Strict mode exists because a
 * column added after the policy was written is how data leaks: it names every column no
 * rule classifies, and nothing is loaded.
 */
public final class MaskingPolicy {

	private static final int MAX_BYTES = 1 << 20;

	private final boolean strict;

	private final List<Rule> rules;

	private final String origin;

	record Rule(String selector, String pattern, Pattern regex, Transform transform) {

		boolean matches(ColumnInfo column) {
			return switch (this.selector) {
				case "column" -> this.regex.matcher(column.path()).matches();
				case "table" -> this.regex.matcher(column.schema() + "." + column.table()).matches();
				case "name" -> this.regex.matcher(column.column()).matches();
				default ->
					this.regex.matcher(column.type()).matches() || this.regex.matcher(column.baseType()).matches();
			};
		}

	}

	private MaskingPolicy(boolean strict, List<Rule> rules, String origin) {
		this.strict = strict;
		this.rules = rules;
		this.origin = origin;
	}

	public boolean strict() {
		return this.strict;
	}

	/** This policy with strict mode set as given (a refresh may insist). */
	public MaskingPolicy strict(boolean strict) {
		return new MaskingPolicy(strict, this.rules, this.origin);
	}

	/** Reads and checks a policy file; {@code MASKING_POLICY} naming what is wrong. */
	public static MaskingPolicy read(Path file) {
		try {
			if (Files.size(file) > MAX_BYTES) {
				throw refused(file.toString(), "it is larger than 1 MiB");
			}
			try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
				return parse(reader, file.toString());
			}
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.MASKING_POLICY,
					"cannot read the masking policy " + file + ": " + ex.getMessage(), ex);
		}
	}

	/** Parses a policy; {@code origin} names it in errors. */
	public static MaskingPolicy parse(Reader yaml, String origin) {
		LoaderOptions options = new LoaderOptions();
		options.setAllowDuplicateKeys(false);
		options.setMaxAliasesForCollections(0);
		Object document;
		try {
			// safe loading: plain maps, lists and scalars, no tags that build objects
			document = new Yaml(new SafeConstructor(options)).load(yaml);
		}
		catch (RuntimeException ex) {
			throw refused(origin, "it is not valid YAML: " + ex.getMessage().lines().findFirst().orElse(""));
		}
		if (!(document instanceof Map<?, ?> top)) {
			throw refused(origin, "it must be a mapping with 'rules' (and optionally 'strict')");
		}
		for (Object key : top.keySet()) {
			if (!List.of("strict", "rules").contains(String.valueOf(key))) {
				throw refused(origin, "unknown key '" + key + "' (strict, rules)");
			}
		}
		Object strict = top.containsKey("strict") ? top.get("strict") : Boolean.TRUE;
		if (!(strict instanceof Boolean)) {
			throw refused(origin, "'strict' must be true or false");
		}
		if (!(top.get("rules") instanceof List<?> list) || list.isEmpty()) {
			throw refused(origin, "'rules' must be a non-empty list");
		}
		List<Rule> rules = new ArrayList<>();
		for (int i = 0; i < list.size(); i++) {
			rules.add(rule(list.get(i), origin + ", rule " + (i + 1)));
		}
		return new MaskingPolicy((Boolean) strict, List.copyOf(rules), origin);
	}

	private static Rule rule(Object item, String where) {
		if (!(item instanceof Map<?, ?> map)) {
			throw refused(where, "a rule is a mapping such as { column: public.t.c, transform: hash }");
		}
		List<String> selectors = new ArrayList<>();
		for (Object key : map.keySet()) {
			String name = String.valueOf(key);
			if (List.of("column", "table", "name", "type").contains(name)) {
				selectors.add(name);
			}
			else if (!name.equals("transform")) {
				throw refused(where, "unknown key '" + name + "' (column, table, name, type, transform)");
			}
		}
		if (selectors.size() != 1) {
			throw refused(where, "a rule needs exactly one of column, table, name, type; it has " + selectors);
		}
		String selector = selectors.get(0);
		Object pattern = map.get(selector);
		Object transform = map.get("transform");
		if (!(pattern instanceof String text) || text.isEmpty() || text.length() > 1000) {
			throw refused(where, "'" + selector + "' must be a non-empty pattern");
		}
		if (transform == null) {
			throw refused(where, "it has no transform");
		}
		try {
			return new Rule(selector, text, glob(text), Transform.parse(String.valueOf(transform)));
		}
		catch (IllegalArgumentException ex) {
			throw refused(where, ex.getMessage());
		}
	}

	/**
	 * A glob as a regular expression: {@code *} and {@code ?} are wild, all else literal.
	 */
	static Pattern glob(String pattern) {
		StringBuilder regex = new StringBuilder();
		for (char c : pattern.toCharArray()) {
			regex.append(switch (c) {
				case '*' -> ".*";
				case '?' -> ".";
				default -> Pattern.quote(Character.toString(c));
			});
		}
		return Pattern.compile(regex.toString(), Pattern.DOTALL);
	}

	private static RedoubtException refused(String where, String why) {
		return new RedoubtException(ErrorCode.MASKING_POLICY, "masking policy " + where + ": " + why);
	}

	/**
	 * The transforms for every table being restored, each column bound to its type.
	 * @param tables the tables whose rows are loaded
	 * @param columns the restored schema's columns
	 * @throws RedoubtException {@code MASKING_POLICY} naming every column no rule
	 * classifies (strict), and every transform that does not fit its column
	 */
	public MaskPlan plan(List<TableEntry> tables, List<ColumnInfo> columns, MaskingKey key) {
		return plan(tables, columns, key, null);
	}

	/**
	 * As {@link #plan(List, List, MaskingKey)}, counting in {@code unchanged} every
	 * masked value that came out equal to its original.
	 */
	public MaskPlan plan(List<TableEntry> tables, List<ColumnInfo> columns, MaskingKey key, LongAdder unchanged) {
		Map<String, ColumnInfo> byPath = new LinkedHashMap<>();
		columns.forEach((column) -> byPath.put(column.path(), column));
		List<String> unclassified = new ArrayList<>();
		List<String> unfit = new ArrayList<>();
		Map<String, List<UnaryOperator<String>>> masks = new LinkedHashMap<>();
		Map<String, List<String>> masked = new LinkedHashMap<>();
		for (TableEntry table : tables) {
			List<UnaryOperator<String>> row = new ArrayList<>();
			boolean any = false;
			for (String name : table.columns()) {
				ColumnInfo column = byPath.get(table.schema() + "." + table.name() + "." + name);
				if (column == null) {
					throw new RedoubtException(ErrorCode.MASKING_POLICY, "column " + table.schema() + "." + table.name()
							+ "." + name + " of the backup is not in the restored schema");
				}
				Rule rule = this.rules.stream().filter((r) -> r.matches(column)).findFirst().orElse(null);
				if (rule == null) {
					if (this.strict) {
						unclassified.add(column.path() + " (" + column.type() + ")");
					}
					row.add(null);
					continue;
				}
				try {
					UnaryOperator<String> mask = rule.transform().bind(column, key);
					row.add(rule.transform().keeps() ? null : mask);
					if (!rule.transform().keeps()) {
						any = true;
						masked.computeIfAbsent(table.qualifiedName(), (k) -> new ArrayList<>()).add(name);
					}
				}
				catch (IllegalArgumentException ex) {
					unfit.add(ex.getMessage());
					row.add(null);
				}
			}
			if (any) {
				masks.put(table.qualifiedName(), row);
			}
		}
		if (!unclassified.isEmpty() || !unfit.isEmpty()) {
			List<String> problems = new ArrayList<>();
			if (!unclassified.isEmpty()) {
				problems.add(unclassified.size() + " column(s) no rule classifies (strict mode): "
						+ String.join(", ", unclassified.stream().limit(20).toList())
						+ ((unclassified.size() > 20) ? ", ..." : ""));
			}
			if (!unfit.isEmpty()) {
				problems.add(String.join("; ", unfit.stream().limit(20).toList()));
			}
			throw new RedoubtException(ErrorCode.MASKING_POLICY,
					"masking policy " + this.origin + " refused: " + String.join("; ", problems)
							+ "; nothing was loaded",
					"classify every column (keep what is not confidential), or set strict: false knowingly", null);
		}
		return new MaskPlan(masks, masked, unchanged);
	}

}
