package dev.redoubt.service.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.sample.SampleDatabase;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

/**
 * A masked restore of the Pagila sample through the CLI
 * ({@code config/masking/pagila.yaml}, against a real PostgreSQL and two S3Proxy
 * regions): no masked value equals its original, joins on the masked customer key count
 * as on the original, every constraint is valid; the same key masks alike twice, another
 * key otherwise; a policy that does not classify a column stops the restore naming it
 * (exit 35), loading no row. Table restores mask the same way, beside the live tables,
 * into them, into a file, with a predicate judged on the original values.
 */
class MaskedRestoreIT {

	static final Path POLICY = Path.of("..", "config", "masking", "pagila.yaml");

	/** Secrets drawn for this run: none is written in code. */
	static final String KEY_A = randomSecret();

	static final String READER_PASSWORD = randomSecret();

	static String randomSecret() {
		byte[] random = new byte[24];
		new java.security.SecureRandom().nextBytes(random);
		return java.util.HexFormat.of().formatHex(random);
	}

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension(Secret.of("mask-" + Long.toHexString(System.nanoTime())),
			List.of());

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu", "us");

	@TempDir
	static Path work;

	static Path config;

	@BeforeAll
	static void backUpPagila() throws Exception {
		pg.sql("postgres", "CREATE DATABASE pagila");
		SampleDatabase.load(pg.cluster(), "pagila", pg.scratch(), "pagila/pagila-schema.sql", "pagila/pagila-data.sql");
		config = TwoRegionConfig.write(work, pg, s3, "pagila", "pagila", "mask", "");
		CliProcess.Run backup = CliProcess.run(config, "backup", "--source", "pagila");
		assertThat(backup.exit()).as(backup.all()).isZero();
		Files.writeString(work.resolve("key-a"), KEY_A + "\n");
		Files.writeString(work.resolve("key-b"), randomSecret() + "\n");
		pg.createDatabase("qat");
		CliProcess.Run unverified = refresh(POLICY, List.of());
		assertThat(unverified.exit()).as("no verified backup yet: " + unverified.all()).isEqualTo(14);
		CliProcess.Run verify = CliProcess.run(config, "verify", "--source", "pagila", "--backup", "latest");
		assertThat(verify.exit()).as(verify.all()).isZero();
	}

	@Test
	void noMaskedValueEqualsItsOriginalJoinsHoldConstraintsAreValidAndTheKeyDecides() throws Exception {
		ConnectionSpec first = maskedCopy("masked_a1", "key-a");
		ConnectionSpec second = maskedCopy("masked_a2", "key-a");
		ConnectionSpec other = maskedCopy("masked_b", "key-b");
		ConnectionSpec original = pg.connection("pagila");

		// customers and staff by their address (kept, unique): every masked value differs
		Map<String, List<String>> before = rows(original,
				"SELECT address_id, customer_id, first_name, last_name, email FROM customer");
		Map<String, List<String>> after = rows(first,
				"SELECT address_id, customer_id, first_name, last_name, email FROM customer");
		assertThat(after).hasSameSizeAs(before).containsOnlyKeys(before.keySet());
		before.forEach((address, was) -> {
			List<String> now = after.get(address);
			for (int i = 0; i < was.size(); i++) {
				assertThat(now.get(i)).as("customer at address " + address + ", column " + i).isNotEqualTo(was.get(i));
			}
		});
		Map<String, List<String>> places = rows(original,
				"SELECT address_id, address, phone, postal_code FROM address");
		Map<String, List<String>> placesAfter = rows(first,
				"SELECT address_id, address, phone, postal_code FROM address");
		places.forEach((id, was) -> {
			for (int i = 0; i < was.size(); i++) {
				if (was.get(i) != null && !was.get(i).isEmpty()) {
					assertThat(placesAfter.get(id).get(i)).as("address " + id + ", column " + i)
						.isNotEqualTo(was.get(i));
				}
			}
		});
		assertThat(scalar(first, "SELECT count(*) FROM staff WHERE password IS NOT NULL OR picture IS NOT NULL"))
			.isEqualTo("0");
		Map<String, List<String>> paid = rows(original, "SELECT payment_id, amount FROM payment");
		Map<String, List<String>> paidAfter = rows(first, "SELECT payment_id, amount FROM payment");
		assertThat(paidAfter).as("every payment is there").containsOnlyKeys(paid.keySet());
		paid.forEach((id, was) -> assertThat(new java.math.BigDecimal(paidAfter.get(id).get(0)))
			.as("payment " + id + " within 10%")
			.isNotEqualByComparingTo(was.get(0))
			.isBetween(
					new java.math.BigDecimal(was.get(0)).multiply(new java.math.BigDecimal("0.9"))
						.subtract(new java.math.BigDecimal("0.01")),
					new java.math.BigDecimal(was.get(0)).multiply(new java.math.BigDecimal("1.1"))
						.add(new java.math.BigDecimal("0.01"))));

		// joins on the masked key give the original's counts; every constraint holds
		for (String join : List.of("SELECT count(*) FROM rental JOIN customer USING (customer_id)",
				"SELECT count(*) FROM payment JOIN customer USING (customer_id)",
				"SELECT count(DISTINCT customer_id) FROM rental JOIN payment USING (customer_id, rental_id)")) {
			assertThat(scalar(first, join)).as(join).isEqualTo(scalar(original, join));
		}
		assertThat(scalar(first, "SELECT count(*) FROM pg_constraint WHERE NOT convalidated")).isEqualTo("0");
		assertThat(scalar(first, "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"))
			.isEqualTo(scalar(original, "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"));

		// the same key, the same masked values; another key, others
		String customers = "SELECT address_id, customer_id, first_name, last_name, email, create_date FROM customer";
		assertThat(rows(second, customers)).isEqualTo(rows(first, customers));
		Map<String, List<String>> byOtherKey = rows(other, customers);
		rows(first, customers).forEach((address, row) -> assertThat(byOtherKey.get(address).get(4))
			.as("email at address " + address + " under another key")
			.isNotEqualTo(row.get(4)));
	}

	@Test
	void aColumnNoRuleClassifiesStopsTheRestoreNamingItAndLoadsNoRow() throws Exception {
		Path policy = withoutStaffPassword("without-password.yaml");
		ConnectionSpec target = pg.createDatabase("masked_strict");
		CliProcess.Run restore = CliProcess.run(config, "restore", "--source", "pagila", "--target", target.url(),
				"--mask", policy.toString(), "--mask-key", work.resolve("key-a").toString());
		assertThat(restore.exit()).as(restore.all()).isEqualTo(35);
		assertThat(restore.err()).contains("1 column(s) no rule classifies (strict mode): public.staff.password (text)")
			.doesNotContain(KEY_A);
		assertThat(scalar(target, "SELECT count(*) FROM staff")).isEqualTo("0");

		Path hostile = work.resolve("hostile.yaml");
		Files.writeString(hostile, "rules:\n  - !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader "
				+ "[[!!java.net.URL [\"http://127.0.0.1:1/\"]]]]\n");
		CliProcess.Run refused = CliProcess.run(config, "restore", "--source", "pagila", "--target",
				pg.createDatabase("masked_hostile").url(), "--mask", hostile.toString(), "--mask-key",
				work.resolve("key-a").toString());
		assertThat(refused.exit()).as(refused.all()).isEqualTo(35);
		assertThat(refused.err()).contains("is not valid YAML");
	}

	/**
	 * Tables restored masked beside the live ones (two tables, loaded by two sessions)
	 * hold what a masked full restore with the same key holds, and joins between them
	 * still hold; merged into the masked copy's own table, every row is already there.
	 */
	@Test
	void aMaskedTableRestoreMasksAsTheFullRestoreDoesBesideAndIntoTheLiveTable() throws Exception {
		ConnectionSpec full = maskedCopy("masked_full_for_tables", "key-a");
		// beside the masked copy's own tables (Pagila's sequences are not owned by its
		// tables: a table restore needs them where it lands)
		ConnectionSpec beside = full;
		CliProcess.Run restore = CliProcess.run(config, "restore", "--source", "pagila", "--table", "public.customer",
				"--table", "public.rental", "--jobs", "2", "--target", beside.url(), "--mask", POLICY.toString(),
				"--mask-key", work.resolve("key-a").toString(), "--output", "json");
		assertThat(restore.exit()).as(restore.all()).isZero();
		assertThat(restore.out()).containsPattern(
				"\"maskedColumns\" : \\[ \"customer_id\", \"first_name\", \"last_name\", \"email\", \"create_date\" \\]");
		String schema = scalar(beside, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'redoubt\\_restore\\_%'");
		String customers = "SELECT address_id, customer_id, first_name, last_name, email, create_date FROM ";
		assertThat(rows(beside, customers + schema + ".customer")).as("the same key masks the same in both paths")
			.isEqualTo(rows(full, customers + "customer"));
		assertThat(scalar(beside,
				"SELECT count(*) FROM " + schema + ".rental JOIN " + schema + ".customer USING (customer_id)"))
			.isEqualTo(
					scalar(pg.connection("pagila"), "SELECT count(*) FROM rental JOIN customer USING (customer_id)"));

		CliProcess.Run merge = CliProcess.run(config, "restore", "--source", "pagila", "--table", "public.customer",
				"--into-existing", "--conflict", "upsert", "--target", full.url(), "--mask", POLICY.toString(),
				"--mask-key", work.resolve("key-a").toString());
		assertThat(merge.exit()).as(merge.all()).isZero();
		assertThat(merge.out()).as("every masked row is already in the masked copy")
			.contains("--conflict upsert: 0 inserted, 0 updated, 599 unchanged, 0 deleted")
			.contains("masked: customer_id, first_name, last_name, email, create_date");
	}

	/**
	 * A predicate selects by the values the backup holds (judged on the original rows in
	 * the sandbox), and what it selects arrives masked, in a file as in a database.
	 */
	@Test
	void aPredicateSelectsByOriginalValuesAndOnlyMaskedValuesArrive() throws Exception {
		ConnectionSpec full = maskedCopy("masked_full_for_where", "key-a");
		Path file = work.resolve("customers-masked.csv");
		String where = "email = 'MARY.SMITH@sakilacustomer.org' OR customer_id BETWEEN 2 AND 4";
		CliProcess.Run toFile = CliProcess.run(config, "restore", "--source", "pagila", "--table", "public.customer",
				"--where", where, "--to-file", file.toString(), "--mask", POLICY.toString(), "--mask-key",
				work.resolve("key-a").toString());
		assertThat(toFile.exit()).as(toFile.all()).isZero();
		List<String> lines = Files.readAllLines(file);
		assertThat(lines).hasSize(5);
		assertThat(String.join("\n", lines)).doesNotContain("sakilacustomer.org", "MARY", "SMITH", "PATRICIA");
		String masked = "SELECT customer_id, first_name, last_name, email FROM customer WHERE address_id IN (5, 6, 7, 8)";
		for (List<String> row : rows(full, masked).entrySet()
			.stream()
			.map((e) -> List.of(e.getKey(), e.getValue().get(0), e.getValue().get(1), e.getValue().get(2)))
			.toList()) {
			assertThat(lines).as("the masked row of customer " + row.get(0))
				.anyMatch((line) -> line.startsWith(row.get(0) + ",")
						&& line.contains("," + String.join(",", row.subList(1, 4)) + ","));
		}

		ConnectionSpec target = full;
		CliProcess.Run into = CliProcess.run(config, "restore", "--source", "pagila", "--table", "public.customer",
				"--where", where, "--into", "public.customer_masked", "--target", target.url(), "--mask",
				POLICY.toString(), "--mask-key", work.resolve("key-a").toString());
		assertThat(into.exit()).as(into.all()).isZero();
		assertThat(rows(target, "SELECT customer_id, first_name, last_name, email FROM customer_masked"))
			.isEqualTo(rows(full, masked));
	}

	/**
	 * A table restore checks the policy against the tables it restores, before any row; a
	 * predicate cannot select masked rows to merge into a live table.
	 */
	@Test
	void aTableRestoreChecksThePolicyAgainstItsTablesAndRefusesAMaskedMergeByPredicate() throws Exception {
		Path policy = withoutStaffPassword("tables-without-password.yaml");
		ConnectionSpec target = pg.connection("pagila");
		CliProcess.Run staff = CliProcess.run(config, "restore", "--source", "pagila", "--table", "public.staff",
				"--target", target.url(), "--mask", policy.toString(), "--mask-key", work.resolve("key-a").toString());
		assertThat(staff.exit()).as(staff.all()).isEqualTo(35);
		assertThat(staff.err()).contains("public.staff.password (text)");
		assertThat(scalar(target, "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'redoubt\\_restore\\_%'"))
			.as("nothing was created")
			.isEqualTo("0");
		CliProcess.Run customer = CliProcess.run(config, "restore", "--source", "pagila", "--table", "public.customer",
				"--dry-run", "--target", target.url(), "--mask", policy.toString(), "--mask-key",
				work.resolve("key-a").toString());
		assertThat(customer.exit()).as("only the restored tables' columns count: " + customer.all()).isZero();

		CliProcess.Run merge = CliProcess.run(config, "restore", "--source", "pagila", "--table", "public.customer",
				"--where", "customer_id < 10", "--into-existing", "--conflict", "upsert", "--target", target.url(),
				"--mask", POLICY.toString(), "--mask-key", work.resolve("key-a").toString());
		assertThat(merge.exit()).as(merge.all()).isEqualTo(3);
		assertThat(merge.err()).contains("cannot merge into a live table");
	}

	/**
	 * A refresh replaces the environment's database only with a masked copy that is whole
	 * and verified: a policy missing a column, and a refresh killed just before the swap,
	 * leave it as it was.
	 */
	@Test
	void aRefreshReplacesTheEnvironmentOnlyWithAWholeVerifiedMaskedCopy() throws Exception {
		ConnectionSpec qat = pg.connection("qat");
		pg.sql("qat", "CREATE TABLE sentinel (copy text); INSERT INTO sentinel VALUES ('the earlier copy')");

		Path policy = withoutStaffPassword("refresh-without-password.yaml");
		CliProcess.Run strict = refresh(policy, List.of());
		assertThat(strict.exit()).as(strict.all()).isEqualTo(35);
		assertThat(strict.err()).contains("public.staff.password (text)");
		assertThat(scalar(qat, "SELECT copy FROM sentinel")).isEqualTo("the earlier copy");
		assertThat(databases()).as("the strict refresh's copy is gone").doesNotContain("qat__redoubt_refresh");

		CliProcess.Run killed = refresh(POLICY, List.of("-Dredoubt.test.crash-at=REFRESH_BEFORE_SWAP"));
		assertThat(killed.exit()).as(killed.all()).isEqualTo(137);
		assertThat(scalar(qat, "SELECT copy FROM sentinel")).as("killed before the swap").isEqualTo("the earlier copy");

		CliProcess.Run refreshed = refresh(POLICY, List.of("--output", "json"));
		assertThat(refreshed.exit()).as(refreshed.all()).isZero();
		assertThat(refreshed.out()).contains("\"replaced\" : true");
		assertThat(scalar(qat, "SELECT count(*) FROM customer WHERE email NOT LIKE '%@example.org'")).isEqualTo("0");
		assertThat(scalar(qat, "SELECT count(*) FROM customer"))
			.isEqualTo(scalar(pg.connection("pagila"), "SELECT count(*) FROM customer"));
		assertThat(scalar(qat, "SELECT to_regclass('sentinel') IS NULL")).isEqualTo("t");
		assertThat(databases()).as("neither the copy nor the earlier database is left")
			.doesNotContain("qat__redoubt_refresh", "qat__redoubt_previous");
	}

	/** {@code serve} refreshes each environment of the source on its schedule. */
	@Test
	void serveRefreshesTheEnvironmentOnItsSchedule() throws Exception {
		ConnectionSpec devCopy = pg.createDatabase("dev");
		pg.sql("dev", "CREATE TABLE sentinel (copy text)");
		int port = dev.redoubt.core.pg.LocalCluster.freePort();
		Path serveConfig = work.resolve("serve.yaml");
		String passwordLine = Files.readString(config)
			.lines()
			.filter((line) -> line.contains("password-file:"))
			.findFirst()
			.orElseThrow();
		Files.writeString(serveConfig, Files.readString(config).replace(passwordLine + "\n", passwordLine + "\n" + """
				      refresh:
				        schedule: "0/5 * * * * ?"
				        mask-key-file: %s
				        environments:
				          - { name: dev, url: "%s", mask: %s }
				""".formatted(work.resolve("key-a"), devCopy.url(), POLICY.toAbsolutePath())) + """
				  service:
				    cluster-checkin-interval: 1s
				    users:
				      - { name: reader, password: "%s", role: read }
				server:
				  port: %d
				""".formatted(READER_PASSWORD, port));
		ApiClient api = new ApiClient(port);
		Path log = work.resolve("serve-refresh.log");
		Process serve = CliProcess.startIn(work, serveConfig, log, List.of(), "serve");
		try {
			Await.until(Duration.ofMinutes(4), () -> api.up() || !serve.isAlive(), "serve answering", () -> tail(log));
			assertThat(serve.isAlive()).as(tail(log)).isTrue();
			Await.until(Duration.ofMinutes(4),
					() -> api.get("/api/job-runs?job=refresh&limit=10", "reader", READER_PASSWORD)
						.body()
						.contains("\"status\":\"COMPLETED\""),
					"a completed refresh in the job repository", () -> tail(log));
			assertThat(scalar(devCopy, "SELECT count(*) FROM customer WHERE email LIKE '%@example.org'"))
				.isEqualTo(scalar(pg.connection("pagila"), "SELECT count(*) FROM customer"));
			assertThat(scalar(devCopy, "SELECT to_regclass('sentinel') IS NULL")).isEqualTo("t");
			assertThat(api.get("/actuator/prometheus", "reader", READER_PASSWORD).body()).containsPattern(
					"redoubt_job_runs_total\\{[^}]*job=\"refresh\"[^}]*outcome=\"succeeded\"[^}]*\\} [1-9]");
		}
		finally {
			serve.destroy();
			assertThat(serve.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
		}
	}

	private static String tail(Path log) {
		try {
			String text = Files.readString(log);
			return text.substring(Math.max(0, text.length() - 4000));
		}
		catch (java.io.IOException ex) {
			return "no log: " + ex.getMessage();
		}
	}

	/** The Pagila policy without its rule for {@code staff.password}. */
	private static Path withoutStaffPassword(String file) throws java.io.IOException {
		return Files.writeString(work.resolve(file),
				Files.readString(POLICY).replace("  - { column: public.staff.password, transform: \"null\" }\n", ""));
	}

	private static CliProcess.Run refresh(Path policy, List<String> extra) throws Exception {
		List<String> args = new ArrayList<>(
				List.of("refresh", "--source", "pagila", "--target", pg.connection("qat").url(), "--mask",
						policy.toString(), "--mask-key", work.resolve("key-a").toString()));
		List<String> jvm = new ArrayList<>();
		for (String arg : extra) {
			(arg.startsWith("-D") ? jvm : args).add(arg);
		}
		return CliProcess.run(config, Map.of(), jvm, args.toArray(String[]::new));
	}

	private static List<String> databases() throws Exception {
		return new ArrayList<>(rows(pg.connection("postgres"), "SELECT datname, 1 FROM pg_database").keySet());
	}

	private static ConnectionSpec maskedCopy(String database, String key) throws Exception {
		ConnectionSpec target = pg.createDatabase(database);
		CliProcess.Run restore = CliProcess.run(config, "restore", "--source", "pagila", "--target", target.url(),
				"--mask", POLICY.toString(), "--mask-key", work.resolve(key).toString());
		assertThat(restore.exit()).as(restore.all()).isZero();
		return target;
	}

	/** Rows by their first column, the rest as text. */
	private static Map<String, List<String>> rows(ConnectionSpec database, String sql) throws Exception {
		Map<String, List<String>> rows = new HashMap<>();
		try (Connection connection = database.open("test");
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery(sql)) {
			int columns = result.getMetaData().getColumnCount();
			while (result.next()) {
				List<String> row = new ArrayList<>();
				for (int i = 2; i <= columns; i++) {
					row.add(result.getString(i));
				}
				assertThat(rows.put(result.getString(1), row)).as("unique " + result.getString(1)).isNull();
			}
		}
		return rows;
	}

	private static String scalar(ConnectionSpec database, String sql) throws Exception {
		try (Connection connection = database.open("test");
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery(sql)) {
			result.next();
			return result.getString(1);
		}
	}

}
