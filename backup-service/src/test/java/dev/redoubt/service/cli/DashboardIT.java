package dev.redoubt.service.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.pg.LocalCluster;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

/**
 * The dashboard in real Chromium (Debian's {@code chromium} and {@code chromium-driver},
 * installed by {@code .ci/run}), against {@code serve} with a fleet on two PostgreSQL
 * clusters and two S3Proxy regions: a reader signs in and sees every source with its
 * state, worst first (one never backed up, one whose verification failed, one whose drill
 * missed its RTO, one healthy); a reader can trigger nothing; a writer backs a source up
 * from the page and sees the backup appear verified. Every panel of the Grafana dashboard
 * shipped with the chart queries a metric the running service exposes. Screenshots go to
 * {@code target/dashboard/} (the ones in {@code docs/} come from there).
 */
class DashboardIT {

	private static final String PG_PASSWORD = "pg-dashboard-" + Long.toHexString(System.nanoTime());

	private static final String READER_PASSWORD = "reader-dashboard-" + Long.toHexString(System.nanoTime());

	private static final String WRITER_PASSWORD = "writer-dashboard-" + Long.toHexString(System.nanoTime());

	/** Never fires while the test runs: jobs run only when the test asks. */
	private static final String NEVER = "0 0 3 1 1 ? 2099";

	private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

	private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

	private static final Path SCREENSHOTS = Path.of("target", "dashboard").toAbsolutePath();

	@RegisterExtension
	static PostgresExtension first = new PostgresExtension(Secret.of(PG_PASSWORD), List.of());

	@RegisterExtension
	static PostgresExtension second = new PostgresExtension(Secret.of(PG_PASSWORD), List.of());

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu", "us");

	static Path work;

	static Path config;

	static int port;

	static ApiClient api;

	static Process serve;

	static Path log;

	@BeforeAll
	static void fleet() throws Exception {
		String ci = System.getenv("CI");
		boolean browser = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
		if (ci == null || ci.isEmpty()) {
			Assumptions.assumeTrue(browser, "chromium and chromium-driver are not installed; .ci/run installs them");
		}
		assertThat(browser).as("CI installs chromium and chromium-driver").isTrue();
		work = Files.createTempDirectory("redoubt-dashboard-");
		Path keyFile = work.resolve("master.key");
		RepositoryKeys.generateKeyFile(keyFile);
		Path password = Files.writeString(work.resolve("pg-password"), PG_PASSWORD + "\n");
		Path spool = Files.createDirectories(work.resolve("spool"));
		Files.writeString(spool.resolve("metrics.prom"),
				"redoubt_wal_archive_lag_seconds 4\nredoubt_wal_archive_failures_total 0\n");
		first.createDatabase("ledger");
		first.sql("ledger", "CREATE TABLE entries (id int PRIMARY KEY, amount numeric NOT NULL);"
				+ " INSERT INTO entries SELECT g, g / 100.0 FROM generate_series(1, 2000) g");
		first.createDatabase("audit");
		first.sql("audit", "CREATE TABLE events (id int PRIMARY KEY, what text);"
				+ " INSERT INTO events SELECT g, 'event ' || g FROM generate_series(1, 300) g");
		second.createDatabase("shop");
		second.sql("shop", "CREATE TABLE orders (id int PRIMARY KEY, amount numeric);"
				+ " INSERT INTO orders SELECT g, g / 10.0 FROM generate_series(1, 1500) g");
		second.createDatabase("crm");
		second.sql("crm", "CREATE TABLE contacts (id int PRIMARY KEY, email text);"
				+ " INSERT INTO contacts SELECT g, g || '@example.com' FROM generate_series(1, 100) g");
		port = LocalCluster.freePort();
		api = new ApiClient(port);
		config = work.resolve("redoubt.yaml");
		Files.writeString(config,
				"""
						redoubt:
						  sources:
						    ledger:
						      url: jdbc:postgresql://127.0.0.1:%1$d/ledger
						      username: postgres
						      password-file: %2$s
						      schedules: { logical: "%3$s", verify: "%3$s", retention: "%3$s" }
						    audit:
						      url: jdbc:postgresql://127.0.0.1:%1$d/audit
						      username: postgres
						      password-file: %2$s
						      schedules: { logical: "%3$s", verify: "%3$s" }
						      verify:
						        smoke-queries:
						          - { name: a million events, sql: "SELECT count(*) FROM public.events", expect: "1000000" }
						    shop:
						      url: jdbc:postgresql://127.0.0.1:%4$d/shop
						      username: postgres
						      password-file: %2$s
						      schedules: { logical: "%3$s", verify: "%3$s" }
						      drill: { schedule: "%3$s", type: logical, rto: 1ms, rpo: 1d }
						    crm:
						      url: jdbc:postgresql://127.0.0.1:%4$d/crm
						      username: postgres
						      password-file: %2$s
						      schedules: { logical: "%3$s", verify: "%3$s" }
						  repositories:
						    - { name: eu, endpoint: "%5$s", region: eu-west-1, bucket: %6$s, prefix: dashboard, path-style: true,
						        access-key: redoubt-test-access, secret-key: %7$s }
						    - { name: us, endpoint: "%8$s", region: us-east-1, bucket: %6$s, prefix: dashboard, path-style: true,
						        access-key: redoubt-test-access, secret-key: %7$s }
						  encryption:
						    key-file: %9$s
						  verification:
						    jobs: 1
						  service:
						    cluster-checkin-interval: 1s
						    wal-spools: { ledger: %10$s }
						    users:
						      - { name: reader, password: "%11$s", role: read }
						      - { name: writer, password: "%12$s", role: write }
						server:
						  port: %13$d
						"""
					.formatted(first.cluster().port(), password, NEVER, second.cluster().port(),
							s3.region("eu").endpoint(), S3RegionsExtension.BUCKET, s3.secretKey().reveal(),
							s3.region("us").endpoint(), keyFile, spool, READER_PASSWORD, WRITER_PASSWORD, port));
		for (String source : List.of("ledger", "audit", "shop")) {
			CliProcess.Run backup = CliProcess.runIn(work, config, Map.of(), List.of(), "backup", "--source", source);
			assertThat(backup.exit()).as(backup.all()).isZero();
		}
		for (String source : List.of("ledger", "shop")) {
			CliProcess.Run verify = CliProcess.runIn(work, config, Map.of(), List.of(), "verify", "--source", source,
					"--backup", "latest");
			assertThat(verify.exit()).as(verify.all()).isZero();
		}
		CliProcess.Run failed = CliProcess.runIn(work, config, Map.of(), List.of(), "verify", "--source", "audit",
				"--backup", "latest");
		assertThat(failed.exit()).as("the smoke query fails: " + failed.all()).isNotZero();
		CliProcess.Run passed = CliProcess.runIn(work, config, Map.of(), List.of(), "drill", "--source", "shop",
				"--type", "logical", "--lose-region", "us", "--rto", "1m");
		assertThat(passed.exit()).as("a first drill meets its target: " + passed.all()).isZero();
		CliProcess.Run drill = CliProcess.runIn(work, config, Map.of(), List.of(), "drill", "--source", "shop",
				"--type", "logical", "--lose-region", "eu", "--rto", "1ms");
		assertThat(drill.exit()).as("an RTO of 1 ms is missed: " + drill.all()).isNotZero();
		CliProcess.Run rebuild = CliProcess.runIn(work, config, Map.of(), List.of(), "catalog", "rebuild");
		assertThat(rebuild.exit()).as(rebuild.all()).isZero();
		log = work.resolve("serve.log");
		serve = CliProcess.startIn(work, config, log, List.of(), "serve");
		Await.until(Duration.ofMinutes(3), () -> api.up() || !serve.isAlive(), "serve answering", DashboardIT::tail);
		assertThat(serve.isAlive()).as(tail()).isTrue();
		Files.createDirectories(SCREENSHOTS);
	}

	@AfterAll
	static void stop() throws Exception {
		if (serve != null) {
			serve.destroy();
			serve.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
		}
		if (log != null && Files.exists(log)) {
			// kept beside the test reports: what a failure on a loaded machine needs
			Path kept = Files.createDirectories(Path.of("target", "serve-logs", "DashboardIT"));
			Files.copy(log, kept.resolve("serve.log"), StandardCopyOption.REPLACE_EXISTING);
		}
		if (work != null) {
			DirectoryTree.delete(work);
		}
	}

	@Test
	void aReaderSeesTheFleetWorstFirstAndCanTriggerNothingAWriterBacksUpFromThePage() throws Exception {
		WebDriver browser = chromium();
		try {
			String base = "http://127.0.0.1:" + port;
			browser.get(base + "/");
			assertThat(browser.getCurrentUrl()).as("signed out: the login form").endsWith("/login");
			signIn(browser, "reader", READER_PASSWORD);

			List<WebElement> rows = browser.findElements(By.cssSelector("#fleet tbody tr[data-source]"));
			List<String> order = rows.stream().map((row) -> row.getAttribute("data-source")).toList();
			assertThat(order).as("every source of both clusters").hasSize(4);
			assertThat(order.subList(0, 3)).as("the three red ones first")
				.containsExactlyInAnyOrder("crm", "audit", "shop");
			assertThat(order.get(3)).isEqualTo("ledger");
			assertThat(health(browser, "crm")).isEqualTo("red");
			assertThat(health(browser, "audit")).isEqualTo("red");
			assertThat(health(browser, "shop")).isEqualTo("red");
			assertThat(health(browser, "ledger")).isEqualTo("green");
			assertThat(why(browser, "crm")).contains("never backed up");
			assertThat(why(browser, "audit")).contains("verification of backup").contains("failed").contains("smoke");
			assertThat(why(browser, "shop")).contains("the newest drill missed its RTO");
			assertThat(row(browser, "ledger").getText()).contains("verified").contains("4.0 s");
			screenshot(browser, "dashboard-fleet.png");

			// filter and sort by the server, no script needed
			browser.get(base + "/?health=red&sort=name");
			assertThat(browser.findElements(By.cssSelector("#fleet tbody tr[data-source]"))
				.stream()
				.map((row) -> row.getAttribute("data-source"))
				.toList()).containsExactly("audit", "crm", "shop");

			// a reader sees no trigger and cannot reach one
			browser.get(base + "/sources/crm");
			assertThat(browser.findElements(By.id("run-backup"))).isEmpty();
			browser.get(base + "/sources/crm/run?job=backup");
			assertThat(browser.getPageSource()).doesNotContain("Yes, run it");
			assertThat(api.get("/sources/crm/run?job=backup", "reader", READER_PASSWORD).status()).isEqualTo(403);
			assertThat(api.post("/sources/crm/run?job=backup", "reader", READER_PASSWORD).status()).isEqualTo(403);
			assertThat(api.post("/sources/crm/run?job=backup", "writer", WRITER_PASSWORD).status())
				.as("a write without the form's CSRF token")
				.isEqualTo(403);

			browser.get(base + "/sources/shop");
			assertThat(browser.findElements(By.cssSelector("svg.chart circle.missed")))
				.as("the missed RTO, drawn: " + browser.getPageSource())
				.isNotEmpty();
			assertThat(browser.findElement(By.id("drills")).getText()).contains("FAIL").contains("PASS");
			assertThat(browser.findElements(By.cssSelector("svg.chart circle.met"))).as("the drill that met it")
				.isNotEmpty();
			screenshot(browser, "dashboard-source.png");

			browser.get(base + "/sources/audit");
			browser.findElement(By.cssSelector("#backups a")).click();
			Await.until(Duration.ofSeconds(30), () -> browser.getCurrentUrl().contains("/backups/"), "the backup page",
					browser::getCurrentUrl);
			assertThat(browser.getPageSource()).contains("FAILED").contains("smoke");
			screenshot(browser, "dashboard-backup.png");

			// the writer backs crm up from the page and sees it verified
			browser.get(base + "/");
			browser.findElement(By.cssSelector("header form button")).click();
			signIn(browser, "writer", WRITER_PASSWORD);
			browser.get(base + "/sources/crm");
			browser.findElement(By.id("run-backup")).click();
			Await.until(Duration.ofSeconds(30), () -> !browser.findElements(By.id("confirm")).isEmpty(),
					"the confirmation page", browser::getPageSource);
			assertThat(browser.getPageSource()).contains("a logical backup now, then its verification");
			browser.findElement(By.id("confirm")).click();
			Await.until(Duration.ofSeconds(30), () -> !browser.findElements(By.id("message")).isEmpty(),
					"back on the source page", browser::getPageSource);
			assertThat(browser.findElement(By.id("message")).getText()).contains("triggered");
			Await.until(Duration.ofMinutes(4), () -> {
				browser.navigate().refresh();
				return browser.findElements(By.cssSelector("#backups td.verification"))
					.stream()
					.anyMatch((cell) -> cell.getText().startsWith("verified"));
			}, "the backup triggered from the page, verified", DashboardIT::tail);
			screenshot(browser, "dashboard-triggered.png");
			assertThat(browser.findElement(By.id("runs")).getText()).as("the source's job runs")
				.contains("logicalBackup")
				.contains("COMPLETED");
			browser.get(base + "/");
			assertThat(why(browser, "crm")).doesNotContain("never backed up");
		}
		finally {
			browser.quit();
		}
	}

	/**
	 * Hostile parameters: echoed escaped, or refused with a page that names the problem;
	 * never a stack trace, never a script.
	 */
	@Test
	void hostileParametersAreEscapedOrRefused() throws Exception {
		ApiClient.Response fleet = api.get("/?q=%3Cscript%3Ealert(1)%3C/script%3E&health=%22%3E%3Cb%3E&sort=x%27--",
				"reader", READER_PASSWORD);
		assertThat(fleet.status()).isEqualTo(200);
		assertThat(fleet.body()).doesNotContain("<script>alert(1)")
			.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
			.doesNotContain("\"><b>")
			.contains("No source matches.");
		ApiClient.Response unknown = api.get("/sources/%3Cimg%20src=x%3E", "reader", READER_PASSWORD);
		assertThat(unknown.status()).isEqualTo(404);
		assertThat(unknown.body()).contains("no source named &lt;img src=x&gt; is configured")
			.doesNotContain("<img src=x>");
		assertThat(api.get("/sources/ledger/backups/..%2F..%2Fetc", "reader", READER_PASSWORD).status()).isIn(400, 404);
		ApiClient.Response badJob = api.get("/sources/ledger/run?job=rm%20-rf", "writer", WRITER_PASSWORD);
		assertThat(badJob.status()).isEqualTo(400);
		assertThat(badJob.body()).contains("job must be backup, base-backup, verify or drill")
			.doesNotContain("Exception");
		assertThat(api.get("/sources/ledger", null, null).status()).as("signed out").isIn(302, 401);
		assertThat(api.get("/v3/api-docs", "reader", READER_PASSWORD).body()).as("the API's document, not the pages")
			.contains("\"/api/sources\"")
			.doesNotContain("\"/sources/{source}/run\"");
	}

	/** Every metric the Grafana dashboard's panels and variables query is exposed. */
	@Test
	void everyPanelOfTheGrafanaDashboardQueriesAMetricTheServiceExposes() throws Exception {
		String dashboard = Files.readString(Path.of("..", "charts", "redoubt", "dashboards", "redoubt.json"));
		Set<String> queried = new TreeSet<>();
		Matcher expressions = Pattern.compile("\"(?:expr|definition)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")
			.matcher(dashboard);
		int count = 0;
		while (expressions.find()) {
			count++;
			Matcher names = Pattern.compile("\\bredoubt_[a-z0-9_]+").matcher(expressions.group(1));
			boolean any = false;
			while (names.find()) {
				queried.add(names.group());
				any = true;
			}
			assertThat(any).as("a metric in " + expressions.group(1)).isTrue();
		}
		assertThat(count).as("expressions read").isGreaterThan(15);
		ApiClient.Response scrape = api.get("/actuator/prometheus", "reader", READER_PASSWORD);
		assertThat(scrape.status()).isEqualTo(200);
		Set<String> exposed = new TreeSet<>();
		for (String line : scrape.body().lines().toList()) {
			Matcher series = Pattern.compile("^([a-z_][a-z0-9_]*)[{ ]").matcher(line);
			if (series.find()) {
				exposed.add(series.group(1));
			}
		}
		List<String> missing = new ArrayList<>(queried);
		missing.removeAll(exposed);
		assertThat(missing).as("queried by the dashboard, not exposed (exposed: " + exposed + ")").isEmpty();
	}

	private static WebDriver chromium() {
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
				"--disable-gpu");
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		return new ChromeDriver(service, options);
	}

	private static void signIn(WebDriver browser, String user, String password) throws Exception {
		// a click submits a form; the page it leads to loads after the click returns
		Await.until(Duration.ofSeconds(30),
				() -> browser.getCurrentUrl().contains("/login")
						&& !browser.findElements(By.name("username")).isEmpty(),
				"the login form", browser::getCurrentUrl);
		browser.findElement(By.name("username")).sendKeys(user);
		browser.findElement(By.name("password")).sendKeys(password);
		browser.findElement(By.cssSelector("form button[type=submit]")).click();
		Await.until(Duration.ofSeconds(30), () -> !browser.findElements(By.cssSelector("header .who")).isEmpty(),
				"signed in as " + user, browser::getPageSource);
		assertThat(browser.findElement(By.cssSelector("header .who")).getText()).contains(user);
	}

	private static WebElement row(WebDriver browser, String source) {
		return browser.findElement(By.cssSelector("#fleet tbody tr[data-source='" + source + "']"));
	}

	private static String health(WebDriver browser, String source) {
		return row(browser, source).getAttribute("data-health");
	}

	private static String why(WebDriver browser, String source) {
		return row(browser, source).findElement(By.cssSelector("td.why")).getText();
	}

	private static void screenshot(WebDriver browser, String name) throws Exception {
		Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
		Files.copy(shot, SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
		assertThat(Files.size(SCREENSHOTS.resolve(name))).isGreaterThan(10_000);
	}

	private static String tail() {
		try {
			String text = Files.readString(log);
			return text.substring(Math.max(0, text.length() - 6000));
		}
		catch (java.io.IOException ex) {
			return "no log: " + ex.getMessage();
		}
	}

}
