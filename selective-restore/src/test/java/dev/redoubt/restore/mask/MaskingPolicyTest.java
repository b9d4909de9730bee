package dev.redoubt.restore.mask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.TableEntry;

/**
 * The policy's parsing and its refusals (hostile YAML included), strict mode naming every
 * unclassified column, transforms refused where they do not fit, the integer permutation
 * one-to-one, IBAN check digits valid, and COPY's text format surviving the rewrite.
 */
class MaskingPolicyTest {

	static final MaskingKey KEY = randomKey();

	/** Key material drawn afresh for each run: no key is written in code. */
	static MaskingKey randomKey() {
		byte[] material = new byte[32];
		new java.security.SecureRandom().nextBytes(material);
		return MaskingKey.of(material);
	}

	static final List<ColumnInfo> COLUMNS = List.of(column("id", "integer", "int4", 'N', true),
			column("email", "text", "text", 'S', false), column("name", "character varying(8)", "varchar", 'S', true),
			column("born", "date", "date", 'D', false), column("note", "text", "text", 'S', false));

	static final TableEntry PEOPLE = new TableEntry("app", "people", "permanent", null,
			List.of("id", "email", "name", "born", "note"), null, 0, null, List.of());

	static ColumnInfo column(String name, String type, String base, char category, boolean notNull) {
		return new ColumnInfo("app", "people", name, type, base, category, notNull,
				type.startsWith("character varying") ? 8 : -1);
	}

	static MaskingPolicy policy(String yaml) {
		return MaskingPolicy.parse(new StringReader(yaml), "test.yaml");
	}

	@Test
	void hostileOrMalformedPoliciesAreRefusedNamingWhatIsWrong() {
		for (String[] bad : new String[][] {
				{ "rules:\n  - !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[]]]\n",
						"not valid YAML" },
				{ "rules:\n  - { column: a.b.c, transform: keep }\nrules: []\n", "not valid YAML" },
				{ "- just a list\n", "must be a mapping" },
				{ "strict: yes please\nrules: [ { name: x, transform: keep } ]\n", "'strict' must be true or false" },
				{ "rules: []\n", "non-empty list" }, { "rulez: []\n", "unknown key 'rulez'" },
				{ "rules: [ { name: x, type: y, transform: keep } ]\n", "exactly one of column, table, name, type" },
				{ "rules: [ { name: x, transform: rot13 } ]\n", "'rot13' is not a transform" },
				{ "rules: [ { name: x, transform: noise 0% } ]\n", "more than 0" },
				{ "rules: [ { name: x } ]\n", "has no transform" },
				{ "a: &a [*a]\nrules: [ { name: x, transform: keep } ]\n", "not valid YAML" } }) {
			assertThatThrownBy(() -> policy(bad[0])).as(bad[0])
				.isInstanceOfSatisfying(RedoubtException.class,
						(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.MASKING_POLICY))
				.hasMessageContaining(bad[1]);
		}
	}

	@Test
	void strictModeNamesEveryColumnNoRuleClassifiesAndLenientModeKeepsThem() {
		MaskingPolicy policy = policy("rules:\n  - { column: app.people.email, transform: email }\n"
				+ "  - { name: \"i?\", transform: keep }\n");
		assertThatThrownBy(() -> policy.plan(List.of(PEOPLE), COLUMNS, KEY))
			.hasMessageContaining(
					"3 column(s) no rule classifies (strict mode): app.people.name (character varying(8)), "
							+ "app.people.born (date), app.people.note (text)")
			.hasMessageContaining("nothing was loaded");
		MaskPlan lenient = policy.strict(false).plan(List.of(PEOPLE), COLUMNS, KEY);
		assertThat(lenient.maskedColumns())
			.containsExactly(java.util.Map.entry(PEOPLE.qualifiedName(), List.of("email")));
	}

	@Test
	void aTransformThatDoesNotFitItsColumnIsRefused() {
		assertThatThrownBy(
				() -> policy("rules:\n  - { name: id, transform: email }\n  - { type: \"*\", transform: keep }\n")
					.plan(List.of(PEOPLE), COLUMNS, KEY))
			.hasMessageContaining("app.people.id (integer): 'email' does not fit");
		assertThatThrownBy(
				() -> policy("rules:\n  - { name: name, transform: \"null\" }\n  - { type: \"*\", transform: keep }\n")
					.plan(List.of(PEOPLE), COLUMNS, KEY))
			.hasMessageContaining("the column is NOT NULL");
		assertThatThrownBy(
				() -> policy("rules:\n  - { name: born, transform: noise 5% }\n  - { type: \"*\", transform: keep }\n")
					.plan(List.of(PEOPLE), COLUMNS, KEY))
			.hasMessageContaining("noise N% is for numbers");
	}

	@Test
	void theRowsAreRewrittenInCopysTextFormatAndNullsAndEscapesSurvive() throws Exception {
		MaskPlan plan = policy("rules:\n  - { name: id, transform: hash }\n  - { name: email, transform: email }\n"
				+ "  - { name: name, transform: redact }\n  - { name: born, transform: noise 10d }\n"
				+ "  - { name: note, transform: keep }\n")
			.plan(List.of(PEOPLE), COLUMNS, KEY);
		String rows = "7\ta\\tb@x.org\tBob 42\t2000-02-29\tline\\none\\\\\n8\t\\N\tAl\t\\N\t\\N\n";
		String masked = new String(
				plan.mask(PEOPLE, new ByteArrayInputStream(rows.getBytes(StandardCharsets.UTF_8))).readAllBytes(),
				StandardCharsets.UTF_8);
		String[] lines = masked.split("\n", -1);
		assertThat(lines).hasSize(3);
		String[] first = lines[0].split("\t", -1);
		assertThat(first[0]).isNotEqualTo("7").matches("[0-9]+");
		assertThat(first[1]).matches("u[0-9a-f]{16}@example\\.org");
		assertThat(first[2]).isEqualTo("xxx 00");
		assertThat(first[3]).isNotEqualTo("2000-02-29").matches("2000-0[23]-[0-9]{2}");
		assertThat(first[4]).as("a kept field passes byte for byte").isEqualTo("line\\none\\\\");
		assertThat(lines[1]).isEqualTo(Long.toString(Transform.permute(KEY, 8, 31)) + "\t\\N\txx\t\\N\t\\N");
		assertThat(MaskPlan.unescape("a\\tb\\\\c\\101\\x41\\n")).isEqualTo("a\tb\\cAA\n");
		assertThat(MaskPlan.unescape(MaskPlan.escape("tab\there\\ and\r\nnew"))).isEqualTo("tab\there\\ and\r\nnew");
	}

	@Test
	void theIntegerHashIsAKeyedPermutationThatKeepsTheSign() {
		BitSet seen = new BitSet(1 << 15);
		for (long v = 0; v < (1 << 15); v++) {
			long p = Transform.permute(KEY, v, 15);
			assertThat(p).isBetween(0L, (long) Short.MAX_VALUE);
			assertThat(seen.get((int) p)).as("one-to-one at " + v).isFalse();
			seen.set((int) p);
			assertThat(Transform.permute(KEY, -v - 1, 15)).isEqualTo(-p - 1);
		}
		assertThat(Transform.permute(KEY, Long.MAX_VALUE, 63)).isNotNegative();
		assertThat(Transform.permute(KEY, 42, 31)).isNotEqualTo(Transform.permute(randomKey(), 42, 31));
	}

	@Test
	void aFakeIbanKeepsTheCountryAndHasValidCheckDigits() {
		String masked = Transform.iban(KEY, "iban", "DE89 3704 0044 0532 0130 00");
		assertThat(masked).startsWith("DE").hasSize(27).isNotEqualTo("DE89 3704 0044 0532 0130 00");
		String compact = masked.replace(" ", "");
		StringBuilder numeric = new StringBuilder();
		for (char c : (compact.substring(4) + compact.substring(0, 4)).toCharArray()) {
			numeric.append(Character.isLetter(c) ? Integer.toString(c - 'A' + 10) : Character.toString(c));
		}
		assertThat(new BigInteger(numeric.toString()).mod(BigInteger.valueOf(97))).isEqualTo(BigInteger.ONE);
	}

}
