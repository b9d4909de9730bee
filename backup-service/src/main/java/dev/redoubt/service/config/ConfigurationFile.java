package dev.redoubt.service.config;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * The configuration file, read strictly once before Spring starts: a file named by
 * {@code --config} must exist; YAML that does not parse, a key given twice, and a key
 * under {@code redoubt:} that {@link RedoubtProperties} does not define (a typo such as
 * {@code keep-lst}, which would silently leave the default in force) are errors that name
 * the file, line and column and the key, never the value (a value may be a secret). Every
 * problem is reported at once.
 *
 * <p>
 * Keys are matched as Spring binds them: {@code keep-last}, {@code keepLast} and
 * {@code keep_last} are one key. Under a map ({@code sources}, {@code wal-spools}) any
 * key is a name.
 */
public final class ConfigurationFile {

	/** Sections of the file Spring and its libraries read themselves. */
	private static final Set<String> OTHER_SECTIONS = Set.of("spring", "logging", "management", "server", "springdoc");

	private ConfigurationFile() {
	}

	/**
	 * Checks {@code file}.
	 * @param named whether the user named it ({@code --config}); the default
	 * {@code ./redoubt.yaml} may be absent
	 * @throws RedoubtException {@code CONFIG_INVALID} listing every problem
	 */
	public static void check(Path file, boolean named) {
		if (!Files.exists(file)) {
			if (named) {
				throw new RedoubtException(ErrorCode.CONFIG_INVALID,
						"the configuration file " + file + " does not exist",
						"check the path given to --config (config/ holds examples)", null);
			}
			return;
		}
		if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"the configuration file " + file + " is not a readable file");
		}
		List<String> problems = new ArrayList<>();
		for (Node document : parse(file)) {
			if (document == null) {
				continue;
			}
			duplicates(file, document, problems);
			if (!(document instanceof MappingNode root)) {
				problems.add(at(file, document.getStartMark()) + "the file must be a mapping of sections (redoubt:)");
				continue;
			}
			for (NodeTuple section : root.getValue()) {
				String name = keyOf(section);
				if ("redoubt".equals(name)) {
					walk(file, section.getValueNode(), RedoubtProperties.class, "redoubt", problems);
				}
				else if (name == null || !OTHER_SECTIONS.contains(name)) {
					problems.add(at(file, section.getKeyNode().getStartMark()) + "unknown section '" + safe(name)
							+ "' (expected redoubt, or one of " + new java.util.TreeSet<>(OTHER_SECTIONS) + ")");
				}
			}
		}
		if (!problems.isEmpty()) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"the configuration has " + problems.size() + " problem(s):\n  " + String.join("\n  ", problems),
					"see docs/configuration.md for every key", null);
		}
	}

	private static List<Node> parse(Path file) {
		LoaderOptions options = new LoaderOptions();
		options.setAllowDuplicateKeys(false);
		options.setAllowRecursiveKeys(false);
		options.setMaxAliasesForCollections(10);
		options.setCodePointLimit(4 * 1024 * 1024);
		List<Node> documents = new ArrayList<>();
		try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			for (Node node : new Yaml(options).composeAll(reader)) {
				documents.add(node);
			}
			return documents;
		}
		catch (MarkedYAMLException ex) {
			// the exception's own message quotes the offending line, which may hold a
			// secret
			Mark mark = (ex.getProblemMark() != null) ? ex.getProblemMark() : ex.getContextMark();
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					at(file, mark) + "not valid YAML: " + firstLine(ex.getProblem())
							+ ((ex.getContext() != null) ? " (" + firstLine(ex.getContext()) + ")" : ""));
		}
		catch (YAMLException ex) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					file + ": not valid YAML: " + ex.getClass().getSimpleName());
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"cannot read the configuration file " + file + ": " + ex.getMessage());
		}
	}

	/** Every key given twice in one mapping: YAML would keep one of them silently. */
	private static void duplicates(Path file, Node node, List<String> problems) {
		if (node instanceof MappingNode mapping) {
			Set<String> seen = new java.util.HashSet<>();
			for (NodeTuple tuple : mapping.getValue()) {
				String key = keyOf(tuple);
				if (key != null && !seen.add(key)) {
					problems.add(at(file, tuple.getKeyNode().getStartMark()) + "the key '" + safe(key)
							+ "' is given twice in the same section");
				}
				duplicates(file, tuple.getValueNode(), problems);
			}
		}
		else if (node instanceof SequenceNode sequence) {
			sequence.getValue().forEach((item) -> duplicates(file, item, problems));
		}
	}

	/** Checks {@code node} against the Java type it binds to. */
	private static void walk(Path file, Node node, Type type, String path, List<String> problems) {
		Class<?> raw = raw(type);
		if (raw.isRecord()) {
			if (!(node instanceof MappingNode mapping)) {
				if (!(node instanceof ScalarNode scalar && scalar.getValue().isEmpty())) {
					problems.add(at(file, node.getStartMark()) + path + " must be a section of keys");
				}
				return;
			}
			Map<String, RecordComponent> components = java.util.Arrays.stream(raw.getRecordComponents())
				.collect(Collectors.toMap((c) -> canonical(c.getName()), (c) -> c));
			for (NodeTuple tuple : mapping.getValue()) {
				String key = keyOf(tuple);
				RecordComponent component = (key != null) ? components.get(canonical(key)) : null;
				if (component == null) {
					problems.add(at(file, tuple.getKeyNode().getStartMark()) + "unknown key " + path + "." + safe(key)
							+ suggestion(key, components.values()));
					continue;
				}
				walk(file, tuple.getValueNode(), component.getGenericType(), path + "." + key, problems);
			}
		}
		else if (Map.class.isAssignableFrom(raw)) {
			if (node instanceof MappingNode mapping) {
				Type values = ((ParameterizedType) type).getActualTypeArguments()[1];
				for (NodeTuple tuple : mapping.getValue()) {
					walk(file, tuple.getValueNode(), values, path + "." + safe(keyOf(tuple)), problems);
				}
			}
		}
		else if (List.class.isAssignableFrom(raw)) {
			if (node instanceof SequenceNode sequence) {
				Type elements = ((ParameterizedType) type).getActualTypeArguments()[0];
				for (int i = 0; i < sequence.getValue().size(); i++) {
					walk(file, sequence.getValue().get(i), elements, path + "[" + i + "]", problems);
				}
			}
		}
		else if (node instanceof MappingNode || node instanceof SequenceNode) {
			problems.add(at(file, node.getStartMark()) + path + " takes a single value, not a "
					+ ((node instanceof MappingNode) ? "section" : "list"));
		}
		else if (node instanceof ScalarNode scalar && !scalar.getValue().isEmpty()) {
			String expected = malformed(raw, scalar.getValue().strip());
			if (expected != null) {
				// the value itself is never repeated: it may be a secret in the wrong
				// place
				problems.add(at(file, node.getStartMark()) + path + " must be " + expected);
			}
		}
	}

	/**
	 * What a value of {@code type} must look like, if {@code value} does not; else null.
	 */
	private static String malformed(Class<?> type, String value) {
		try {
			if (type == Integer.class || type == int.class) {
				Integer.parseInt(value);
			}
			else if (type == Boolean.class || type == boolean.class) {
				if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
					return "true or false";
				}
			}
			else if (type == java.time.Duration.class) {
				org.springframework.boot.convert.DurationStyle.detectAndParse(value);
			}
			else if (type == org.springframework.util.unit.DataSize.class) {
				org.springframework.util.unit.DataSize.parse(value);
			}
			return null;
		}
		catch (RuntimeException ex) {
			if (type == Integer.class || type == int.class) {
				return "a whole number";
			}
			return (type == java.time.Duration.class) ? "a duration such as 90s, 15m, 24h or PT1H"
					: "a size such as 8MB or 512KB";
		}
	}

	private static Class<?> raw(Type type) {
		return (type instanceof ParameterizedType parameterized) ? (Class<?>) parameterized.getRawType()
				: (Class<?>) type;
	}

	/**
	 * A key as Spring's relaxed binding compares it: lower case, no dashes or
	 * underscores.
	 */
	private static String canonical(String key) {
		return key.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
	}

	/** The closest known key, when one is close. */
	private static String suggestion(String key, java.util.Collection<RecordComponent> components) {
		if (key == null) {
			return "";
		}
		return components.stream()
			.map((c) -> kebab(c.getName()))
			.min(Comparator.comparingInt((String known) -> distance(canonical(known), canonical(key))))
			.filter((known) -> distance(canonical(known), canonical(key)) <= 2)
			.map((known) -> " (did you mean " + known + "?)")
			.orElse(" (known keys: " + components.stream().map((c) -> kebab(c.getName())).sorted().toList() + ")");
	}

	private static String kebab(String camel) {
		return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
	}

	private static int distance(String a, String b) {
		int[] previous = new int[b.length() + 1];
		for (int j = 0; j <= b.length(); j++) {
			previous[j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			int[] current = new int[b.length() + 1];
			current[0] = i;
			for (int j = 1; j <= b.length(); j++) {
				int cost = (a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1;
				current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
			}
			previous = current;
		}
		return previous[b.length()];
	}

	private static String keyOf(NodeTuple tuple) {
		return (tuple.getKeyNode() instanceof ScalarNode scalar) ? scalar.getValue() : null;
	}

	/** A key for a message: keys are not secrets, but keep them printable and short. */
	private static String safe(String key) {
		if (key == null) {
			return "<not a plain key>";
		}
		String printable = key.codePoints()
			.map((c) -> Character.isISOControl(c) ? '?' : c)
			.collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
			.toString();
		return (printable.length() > 80) ? printable.substring(0, 80) + "..." : printable;
	}

	private static String at(Path file, Mark mark) {
		return (mark == null) ? file + ": " : file + ":" + (mark.getLine() + 1) + ":" + (mark.getColumn() + 1) + ": ";
	}

	private static String firstLine(String text) {
		if (text == null) {
			return "";
		}
		int newline = text.indexOf('\n');
		return (newline < 0) ? text : text.substring(0, newline);
	}

}
