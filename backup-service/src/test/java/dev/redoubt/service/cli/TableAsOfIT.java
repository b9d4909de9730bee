package dev.redoubt.service.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.testing.FaultProxy;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One table back as of a moment, at a cost that grows with the table: the recovery behind
 * {@code restore --table T --as-of TIME} fetches the cluster's catalogs and that table's
 * files only (every other file zero-filled), replays the archived WAL, and the table
 * comes back exactly as it was, beside the live one, whatever happened to it or to the
 * tables around it since the base backup.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TableAsOfIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension(Secret.of("asof-" + Long.toHexString(System.nanoTime())),
			List.of("archive_mode=on", "wal_level=replica", "max_wal_size=256MB"));

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu", "us");

	/**
	 * Region eu, read by restores, behind a proxy that counts the bytes of its answers.
	 */
	static FaultProxy eu;

	static final AtomicLong BYTES_READ = new AtomicLong();

	static ArchivedSource shop;

	/** The restore of {@code orders} as of a time in the first test: what it cost. */
	static JsonNode smallClusterRecovery;

	static long smallClusterBytesRead;

	@BeforeAll
	static void archive() throws Exception {
		eu = new FaultProxy(s3.region("eu").endpoint());
		eu.when((request) -> request.isGet() && request.pathContains("/base/") && request.pathContains("/chunks/"),
				FaultProxy.transformBody((body) -> {
					BYTES_READ.addAndGet(body.length);
					return body;
				}), Integer.MAX_VALUE);
		shop = ArchivedSource.start(pg, s3, "asof", eu.endpoint(), s3.region("us").endpoint());
		pg.sql("shop",
				"""
						CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
						INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 50) g;
						CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
						    customer int NOT NULL REFERENCES customers, amount numeric(10,2) NOT NULL, note text);
						INSERT INTO orders (customer, amount, note)
						    SELECT 1 + g % 50, (g % 997) / 10.0, md5(g::text) || md5((-g)::text) FROM generate_series(1, 40000) g;
						CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL, payload text);
						INSERT INTO events SELECT g, 'kind ' || g % 7, repeat('event', 10) FROM generate_series(1, 20000) g;
						""");
	}

	@AfterAll
	static void stop() throws Exception {
		shop.close();
		eu.close();
	}

	@Test
	@Order(0)
	void hostileTargetsNamesAndIdsAreRefusedBeforeAnythingRuns() throws Exception {
		Object[][] cases = {
				{ 25, new String[] { "restore", "--source", "shop", "--table", "orders", "--before-xid",
						"1; DROP TABLE orders" } },
				{ 3, new String[] { "restore", "--source", "shop", "--table", "orders", "--as-of",
						"2026-12-01T00:00:00Z", "--before-xid", "7" } },
				{ 3, new String[] { "restore", "--source", "shop", "--before-xid", "7", "--target",
						"jdbc:postgresql://127.0.0.1:1/x" } },
				{ 25, new String[] { "incident", "--source", "shop", "--table", "orders; DROP TABLE orders" } },
				{ 3, new String[] { "incident", "--source", "shop", "--table", "orders", "--since", "yesterday" } },
				{ 3, new String[] { "timetravel", "stop", "../../../etc" } }, { 3, new String[] { "timetravel",
						"--source", "shop", "--as-of", "2026-12-01T00:00:00Z", "--ttl", "forever" } },
				{ 3, new String[] { "timetravel", "--source", "shop" } } };
		for (Object[] one : cases) {
			CliProcess.Run run = CliProcess.run(shop.config(), (String[]) one[1]);
			assertThat(run.exit()).as(String.join(" ", (String[]) one[1]) + ": " + run.all()).isEqualTo(one[0]);
			assertThat(run.err()).as("a message, not a stack trace").doesNotContain("\tat ");
		}
		assertThat(shop.scalar("SELECT count(*) FROM orders")).as("nothing ran").isEqualTo("40000");
	}

	@Test
	@Order(1)
	void aDeletedTableComesBackExactlyAsItWasFetchingOnlyItsOwnFiles() throws Exception {
		baseBackup();
		traffic(300);
		String beforeDelete = shop.now();
		String asItWas = shop.fingerprint("orders");
		pg.sql("shop", "DELETE FROM orders WHERE customer % 3 = 0");
		traffic(300);
		shop.switchAndAwaitArchived();
		String live = shop.fingerprint("orders");
		String events = shop.fingerprint("events");

		BYTES_READ.set(0);
		JsonNode restore = restoreAsOf("orders", beforeDelete);
		smallClusterBytesRead = BYTES_READ.get();
		smallClusterRecovery = restore.path("recovery");

		assertThat(shop.fingerprint(restoredAs(restore))).as("every row of just before the delete, and no other")
			.isEqualTo(asItWas);
		assertThat(shop.fingerprint("orders")).as("the live table is untouched").isEqualTo(live);
		assertThat(shop.fingerprint("events")).isEqualTo(events);
		assertThat(smallClusterRecovery.path("recoveredTwice").asBoolean()).isFalse();
		assertThat(smallClusterRecovery.path("leftOutFiles").asLong()).as("events and its index were left out")
			.isPositive();
		assertThat(smallClusterRecovery.path("walSegments").asInt()).as("every segment replayed is counted")
			.isGreaterThanOrEqualTo(2);
	}

	@Test
	@Order(2)
	void aTableRewrittenSinceTheBackupAndAnotherClusteredComeBackExactly() throws Exception {
		traffic(200);
		pg.sql("shop", "VACUUM FULL orders");
		pg.sql("shop", "CREATE INDEX events_kind ON events (kind); CLUSTER events USING events_kind");
		traffic(200);
		String moment = shop.now();
		String orders = shop.fingerprint("orders");
		String events = shop.fingerprint("events");
		pg.sql("shop", "TRUNCATE orders; DELETE FROM events WHERE id % 2 = 0");
		shop.switchAndAwaitArchived();

		JsonNode ordersBack = restoreAsOf("orders", moment);
		JsonNode eventsBack = restoreAsOf("events", moment);

		assertThat(shop.fingerprint(restoredAs(ordersBack))).as("orders, rewritten by VACUUM FULL, then truncated")
			.isEqualTo(orders);
		assertThat(shop.fingerprint(restoredAs(eventsBack))).as("events, rewritten by CLUSTER").isEqualTo(events);
	}

	@Test
	@Order(3)
	void aTableRenamedSinceTheBackupIsRecoveredWithEveryFile() throws Exception {
		// the backup's catalog calls this table's file "customers": the selection made
		// from the name "clients" leaves it out, the recovered cluster shows that, and a
		// second recovery fetches every file
		pg.sql("shop", "ALTER TABLE customers RENAME TO clients; UPDATE clients SET name = upper(name) WHERE id < 10");
		traffic(50);
		String moment = shop.now();
		String clients = shop.fingerprint("clients");
		pg.sql("shop", "UPDATE clients SET name = 'overwritten'");
		shop.switchAndAwaitArchived();

		JsonNode back = restoreAsOf("clients", moment);

		assertThat(back.path("recovery").path("recoveredTwice").asBoolean()).isTrue();
		assertThat(shop.fingerprint(restoredAs(back))).as("the renamed table, as it was").isEqualTo(clients);
	}

	@Test
	@Order(4)
	void theCostGrowsWithTheTableNotWithTheClusterAroundIt() throws Exception {
		long ordersBytes = Long.parseLong(shop.scalar("SELECT pg_total_relation_size('orders')"));
		pg.sql("shop", "TRUNCATE orders");
		pg.sql("shop",
				"""
						INSERT INTO orders (customer, amount, note)
						    SELECT 1 + g % 50, (g % 997) / 10.0, md5(g::text) || md5((-g)::text) FROM generate_series(1, 40000) g;
						CREATE TABLE history (id bigint PRIMARY KEY, note text);
						INSERT INTO history SELECT g, repeat('history ' || g, 14) FROM generate_series(1, 200000) g;
						""");
		pg.createDatabase("analytics");
		pg.sql("analytics",
				"CREATE TABLE facts AS SELECT g AS id, repeat('fact', 20) AS v FROM generate_series(1, 100000) g");
		assertThat(Long.parseLong(shop.scalar("SELECT pg_total_relation_size('history')")))
			.as("the unrelated table is four times the restored one")
			.isGreaterThan(4 * ordersBytes);
		baseBackup();
		traffic(300);
		String moment = shop.now();
		String orders = shop.fingerprint("orders");
		pg.sql("shop", "DELETE FROM orders WHERE id % 5 = 0");
		shop.switchAndAwaitArchived();

		BYTES_READ.set(0);
		JsonNode restore = restoreAsOf("orders", moment);
		long bytesRead = BYTES_READ.get();
		JsonNode recovery = restore.path("recovery");
		System.out.printf("without history and analytics: %s, %d chunk bytes sent%nwith: %s, %d chunk bytes sent%n",
				smallClusterRecovery, smallClusterBytesRead, recovery, bytesRead);

		assertThat(shop.fingerprint(restoredAs(restore))).isEqualTo(orders);
		assertThat(recovery.path("fetchedBytes").asLong())
			.as("base backup bytes fetched, against %s", smallClusterRecovery)
			.isLessThan(smallClusterRecovery.path("fetchedBytes").asLong() * 11 / 10);
		assertThat(recovery.path("diskBytes").asLong()).as("scratch disk, against %s", smallClusterRecovery)
			.isLessThan(smallClusterRecovery.path("diskBytes").asLong() * 11 / 10);
		assertThat(bytesRead).as("base backup bytes the store sent, against %s", smallClusterBytesRead)
			.isLessThan(smallClusterBytesRead * 11 / 10);
		assertThat(recovery.path("leftOutBytes").asLong()).as("history and analytics were left out")
			.isGreaterThan(4 * ordersBytes);
	}

	@Test
	@Order(5)
	void theIncidentFinderNamesTheBadDeleteTheTruncateAndTheDropAndEachIsUndoneToTheTransaction() throws Exception {
		traffic(200);
		String beforeDelete = shop.fingerprint("orders");
		String[] deleted = shop
			.scalar("WITH d AS (DELETE FROM orders WHERE customer % 7 = 0 RETURNING 1) "
					+ "SELECT count(*) || ' ' || txid_current() FROM d")
			.split(" ");
		traffic(200);
		String beforeTruncate = shop.fingerprint("orders");
		long truncate = inTransaction("TRUNCATE orders");
		String events = shop.fingerprint("events");
		long drop = inTransaction("DROP TABLE events");
		shop.switchAndAwaitArchived();
		String liveOrders = shop.fingerprint("orders");

		JsonNode orders = incident("orders");
		assertThat(orders.path("changes").toString()).as("the delete, with its rows")
			.contains("\"xid\":" + deleted[1] + ",")
			.contains("\"kind\":\"delete\",\"rowsDeleted\":" + deleted[0] + ",")
			.contains("\"xid\":" + truncate + ",")
			.contains("\"kind\":\"truncate\"");
		assertThat(orders.path("restore").asString()).endsWith("--before-xid " + truncate);
		JsonNode dropped = incident("events");
		assertThat(dropped.path("changes").toString()).contains("\"xid\":" + drop + ",\"committedAt\"")
			.contains("\"kind\":\"drop\"");

		assertThat(shop.fingerprint(restoredAs(restore("orders", "--before-xid", deleted[1]))))
			.as("orders just before the delete")
			.isEqualTo(beforeDelete);
		assertThat(shop.fingerprint(restoredAs(restore("orders", "--before-xid", Long.toString(truncate)))))
			.as("orders just before the truncate")
			.isEqualTo(beforeTruncate);
		assertThat(shop.fingerprint(restoredAs(restore("events", "--before-xid", Long.toString(drop)))))
			.as("events just before it was dropped")
			.isEqualTo(events);
		assertThat(shop.fingerprint("orders")).as("the live table is untouched").isEqualTo(liveOrders);
	}

	@Test
	@Order(6)
	void aWindowBeforeTheOldestBaseBackupIsRefusedNamingTheWindow() throws Exception {
		CliProcess.Run run = CliProcess.run(shop.config(), "incident", "--source", "shop", "--table", "orders",
				"--since", "2001-01-01T00:00:00Z");

		assertThat(run.exit()).as(run.all()).isEqualTo(dev.redoubt.core.error.ErrorCode.WAL_GAP.exitCode());
		assertThat(run.err()).contains("before the recoverable window, which starts at");
	}

	@Test
	@Order(7)
	void timeTravelPausesAReadOnlyCopyAtTheMomentUntilStoppedOrExpired() throws Exception {
		pg.sql("shop", "INSERT INTO orders (customer, amount, note) SELECT 1 + g % 50, 1, 'late' FROM "
				+ "generate_series(1, 500) g");
		String moment = shop.now();
		String orders = shop.fingerprint("orders");
		pg.sql("shop", "DELETE FROM orders WHERE note = 'late'");
		shop.switchAndAwaitArchived();

		JsonNode travel = timeTravel("--as-of", moment, "--table", "orders", "--ttl", "1h");
		String id = travel.path("id").asString();
		assertThat(psql(travel, "SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '')"
				+ " FROM orders t"))
			.as("orders as of the moment")
			.isEqualTo(orders);
		assertThatThrownBy(() -> psql(travel, "CREATE TABLE written (id int)")).as("read-only")
			.hasMessageContaining("read-only");
		assertThat(list()).contains(id);

		CliProcess.Run stop = CliProcess.run(shop.config(), "timetravel", "stop", id);
		assertThat(stop.exit()).as(stop.all()).isZero();
		assertThat(list()).doesNotContain(id);
		assertThat(Path.of(travel.path("socketDirectory").asString())).as("its sandbox is gone").doesNotExist();

		JsonNode brief = timeTravel("--as-of", moment, "--ttl", "2s");
		Instant expires = Instant.parse(brief.path("expiresAt").asString());
		Await.until(Duration.ofMinutes(1), () -> Instant.now().isAfter(expires), "the time travel's TTL passes",
				() -> "");
		assertThat(list()).as("an expired time travel is removed").doesNotContain(brief.path("id").asString());
		assertThat(Path.of(brief.path("socketDirectory").asString())).doesNotExist();
	}

	private static JsonNode timeTravel(String... args) throws Exception {
		java.util.List<String> all = new java.util.ArrayList<>(
				List.of("timetravel", "--source", "shop", "--output", "json"));
		all.addAll(List.of(args));
		CliProcess.Run run = CliProcess.run(shop.config(), all.toArray(String[]::new));
		assertThat(run.exit()).as(run.all()).isZero();
		return ManifestCodec.json().readTree(run.out());
	}

	private static String list() throws Exception {
		CliProcess.Run run = CliProcess.run(shop.config(), "timetravel", "list");
		assertThat(run.exit()).as(run.all()).isZero();
		return run.out();
	}

	/** psql on the time travel's socket, as its printed command line connects. */
	private static String psql(JsonNode travel, String sql) {
		return dev.redoubt.core.pg.ToolProcess.run(List.of(dev.redoubt.core.pg.PgTools.find("psql", 10).toString(),
				"-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", travel.path("socketDirectory").asString(), "-p",
				Integer.toString(travel.path("port").asInt()), "-U", travel.path("user").asString(), "-d",
				travel.path("database").asString(), "-c", sql), java.util.Map.of(), "psql")
			.trim();
	}

	private static JsonNode incident(String table) throws Exception {
		CliProcess.Run run = CliProcess.run(shop.config(), "incident", "--source", "shop", "--table", table, "--output",
				"json");
		assertThat(run.exit()).as(run.all()).isZero();
		return ManifestCodec.json().readTree(run.out());
	}

	private static JsonNode restore(String table, String... target) throws Exception {
		java.util.List<String> args = new java.util.ArrayList<>(
				List.of("restore", "--source", "shop", "--table", table, "--output", "json"));
		args.addAll(List.of(target));
		CliProcess.Run run = CliProcess.run(shop.config(), args.toArray(String[]::new));
		assertThat(run.exit()).as(run.all()).isZero();
		return ManifestCodec.json().readTree(run.out());
	}

	/** Runs the statement in a transaction of its own and gives that transaction's id. */
	private static long inTransaction(String sql) throws Exception {
		try (java.sql.Connection connection = pg.connection("shop").open("test");
				java.sql.Statement statement = connection.createStatement()) {
			connection.setAutoCommit(false);
			statement.execute(sql);
			try (java.sql.ResultSet row = statement.executeQuery("SELECT txid_current()")) {
				row.next();
				long xid = row.getLong(1);
				connection.commit();
				return xid;
			}
		}
	}

	private static void baseBackup() throws Exception {
		CliProcess.Run backup = CliProcess.run(shop.config(), "backup", "--source", "shop", "--type", "base");
		assertThat(backup.exit()).as(backup.all()).isZero();
	}

	private static JsonNode restoreAsOf(String table, String time) throws Exception {
		return restore(table, "--as-of", time);
	}

	private static String restoredAs(JsonNode restore) {
		String restoredAs = restore.path("tables").get(0).path("restoredAs").asString();
		assertThat(restoredAs).as("beside the live table, in a schema of its own").contains("redoubt_restore_");
		return restoredAs;
	}

	/** Short transactions on orders and events, as pgbench's would be. */
	private static void traffic(int transactions) throws Exception {
		StringBuilder sql = new StringBuilder();
		for (int i = 0; i < transactions; i++) {
			sql.append(switch (i % 3) {
				case 0 ->
					"INSERT INTO orders (customer, amount, note) VALUES (" + (1 + i % 50) + ", 1, 'tx " + i + "');";
				case 1 -> "UPDATE orders SET amount = amount + 1 WHERE id = (SELECT min(id) + " + i + " FROM orders);";
				default -> "UPDATE events SET payload = 'tx " + i + "' WHERE id = " + (1 + i * 7) + ";";
			});
		}
		pg.sql("shop", sql.toString());
	}

}
