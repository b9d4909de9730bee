package dev.redoubt.service.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.redoubt.service.catalog.CatalogEntries;
import dev.redoubt.service.config.RedoubtProperties;
import dev.redoubt.verify.drill.DrillReport;
import dev.redoubt.verify.drill.DrillVerdict;

/**
 * How the dashboard judges a source: each rule that turns it red or amber, the order
 * worst first, and the trend chart's marks.
 */
class SourceStatusTest {

	static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

	static final String NIGHTLY = "0 0 2 * * ?";

	static final String HOURLY = "0 0 * * * ?";

	@Test
	void aSourceNeverBackedUpIsRedAndSaysSo() {
		SourceStatus status = judge(source(NIGHTLY, NIGHTLY, null), entries(List.of(), List.of()), null, null);
		assertThat(status.health()).isEqualTo(Health.RED);
		assertThat(status.problems()).containsExactly("never backed up");
	}

	@Test
	void aFailedVerificationOfTheNewestBackupIsRedButAnOlderOneIsNot() {
		CatalogEntries.Backup newest = backup("20261207T020000Z-aaaa", NOW.minusSeconds(36_000));
		CatalogEntries.Backup older = backup("20261206T020000Z-bbbb", NOW.minusSeconds(122_400));
		SourceStatus failed = judge(source(NIGHTLY, NIGHTLY, null),
				entries(List.of(newest, older), List.of(verification(older, true), verification(newest, false))), null,
				null);
		assertThat(failed.health()).isEqualTo(Health.RED);
		assertThat(failed.problems())
			.containsExactly("verification of backup 20261207T020000Z-aaaa failed (smoke-queries)");
		SourceStatus healthy = judge(source(NIGHTLY, NIGHTLY, null),
				entries(List.of(newest, older), List.of(verification(older, false), verification(newest, true))), null,
				null);
		assertThat(healthy.health()).isEqualTo(Health.GREEN);
		assertThat(healthy.problems()).isEmpty();
	}

	@Test
	void aDrillThatMissedItsRtoIsRedNamingBothFigures() {
		CatalogEntries.Backup newest = backup("20261207T020000Z-aaaa", NOW.minusSeconds(36_000));
		DrillReport drill = drill(DrillVerdict.FAIL, new DrillReport.Measure(420.0, 300.0, false, "measured"));
		SourceStatus status = judge(source(NIGHTLY, NIGHTLY, "0 0 4 ? * SUN"),
				entries(List.of(newest), List.of(verification(newest, true))), drill, null);
		assertThat(status.health()).isEqualTo(Health.RED);
		assertThat(status.problems())
			.containsExactly("the newest drill missed its RTO 7 min against a target of 5 min");
	}

	@Test
	void aLateBackupAnUnverifiedOneAMissingDrillAndWalLagAreAmber() {
		CatalogEntries.Backup threeDaysOld = backup("20261204T020000Z-aaaa", NOW.minusSeconds(3 * 86_400));
		// hourly schedules: the same in every time zone a test machine may run in
		SourceStatus status = judge(source(HOURLY, NIGHTLY, "0 0 4 ? * SUN"), entries(List.of(threeDaysOld), List.of()),
				null, 1800.0);
		assertThat(status.health()).isEqualTo(Health.AMBER);
		assertThat(status.problems()).containsExactly("newest backup 20261204T020000Z-aaaa not verified yet",
				"logical backup overdue: due 2 d 23 h ago", "never drilled", "WAL archive lag 30 min");
		// within an hour of its fire, a backup is not late yet
		CatalogEntries.Backup lastHour = backup("20261207T101000Z-bbbb", Instant.parse("2026-12-07T10:10:00Z"));
		assertThat(SourceStatus.overdue("logical", HOURLY, lastHour, Instant.parse("2026-12-07T11:50:00Z"))).isEmpty();
		assertThat(SourceStatus.overdue("logical", HOURLY, lastHour, Instant.parse("2026-12-07T12:30:00Z")))
			.contains("logical backup overdue: due 90 min ago");
	}

	@Test
	void theFleetIsOrderedWorstFirst() {
		CatalogEntries.Backup newest = backup("20261207T020000Z-aaaa", NOW.minusSeconds(36_000));
		List<SourceStatus> fleet = new ArrayList<>(
				List.of(judge("green", source(NIGHTLY, null, null), entries(List.of(newest), List.of()), null, null),
						judge("amber", source(NIGHTLY, NIGHTLY, null), entries(List.of(newest), List.of()), null, null),
						judge("red-one", source(NIGHTLY, null, null), entries(List.of(), List.of()), null, null),
						judge("red-two", source(NIGHTLY, NIGHTLY, "0 0 4 ? * SUN"), entries(List.of(), List.of()), null,
								null)));
		fleet.sort(SourceStatus.WORST_FIRST);
		assertThat(fleet).extracting(SourceStatus::name).containsExactly("red-two", "red-one", "amber", "green");
	}

	@Test
	void theFleetPageFiltersByNameAndHealthAndSortsByAnyColumn() {
		CatalogEntries.Backup newer = backup("20261207T020000Z-aaaa", NOW.minusSeconds(3_600));
		CatalogEntries.Backup older = backup("20261206T020000Z-bbbb", NOW.minusSeconds(90_000));
		List<SourceStatus> fleet = List.of(
				judge("billing", source(null, null, null), entries(List.of(newer), List.of()), null, 5.0),
				judge("crm", source(null, null, null), entries(List.of(older), List.of()), null, 900.0),
				judge("Analytics", source(null, null, null), entries(List.of(), List.of()), null, null));
		assertThat(FleetView.page(fleet, "", "", null, false)).extracting(SourceStatus::name)
			.containsExactly("Analytics", "billing", "crm");
		assertThat(FleetView.page(fleet, " ANALY ", "", "health", false)).extracting(SourceStatus::name)
			.containsExactly("Analytics");
		assertThat(FleetView.page(fleet, null, "green", "name", true)).extracting(SourceStatus::name)
			.containsExactly("crm", "billing");
		assertThat(FleetView.page(fleet, null, null, "backup", false)).as("never backed up, then the oldest")
			.extracting(SourceStatus::name)
			.containsExactly("Analytics", "crm", "billing");
		assertThat(FleetView.page(fleet, null, null, "wal", false)).as("the largest lag first")
			.extracting(SourceStatus::name)
			.containsExactly("crm", "billing", "Analytics");
		assertThat(FleetView.page(fleet, null, null, "'; DROP TABLE x; --", false)).as("an unknown column: health")
			.extracting(SourceStatus::name)
			.containsExactly("Analytics", "billing", "crm");
	}

	@Test
	void theTrendChartMarksMissedTargetsAndEscapesItsTitle() {
		String svg = TrendChart.svg("RTO <of> \"shop\"",
				List.of(new TrendChart.Point(NOW.minusSeconds(86_400), 200.0, 300.0),
						new TrendChart.Point(NOW, 420.0, 300.0), new TrendChart.Point(NOW, null, 300.0)));
		assertThat(svg).startsWith("<svg")
			.endsWith("</svg>")
			.contains("RTO &lt;of&gt; &quot;shop&quot;")
			.doesNotContain("<of>")
			.contains("class=\"missed\"")
			.contains("class=\"met\"")
			.contains("target 5 min");
		assertThat(svg.split("<circle", -1)).as("a mark per measured drill").hasSize(3);
		assertThat(TrendChart.svg("RPO", List.of())).contains("no drill measured RPO yet");
		assertThat(Ages.duration(0.001)).isEqualTo("1 ms");
		assertThat(Ages.duration(null)).isEqualTo("—");
	}

	private static SourceStatus judge(RedoubtProperties.Source source, CatalogEntries entries, DrillReport drill,
			Double lag) {
		return judge("shop", source, entries, drill, lag);
	}

	private static SourceStatus judge(String name, RedoubtProperties.Source source, CatalogEntries entries,
			DrillReport drill, Double lag) {
		return SourceStatus.judge(name, source, entries, Optional.ofNullable(drill), lag, NOW);
	}

	private static RedoubtProperties.Source source(String logical, String verify, String drill) {
		return new RedoubtProperties.Source("jdbc:postgresql://db/shop", "postgres", null, null, null, null, null, null,
				new RedoubtProperties.Schedules(logical, null, verify, null, null), null,
				new RedoubtProperties.Drill(drill, "logical", null, null, null, null), null);
	}

	private static CatalogEntries entries(List<CatalogEntries.Backup> backups,
			List<CatalogEntries.Verification> verifications) {
		return new CatalogEntries("shop", backups, verifications, List.of());
	}

	private static CatalogEntries.Backup backup(String id, Instant completed) {
		return new CatalogEntries.Backup(id, "logical", "complete", completed.minusSeconds(60), completed, 1024, 10);
	}

	private static CatalogEntries.Verification verification(CatalogEntries.Backup backup, boolean verified) {
		return new CatalogEntries.Verification(backup.id(), "eu", backup.completedAt().plusSeconds(600), verified, 12.0,
				verified ? List.of() : List.of("smoke-queries"));
	}

	private static DrillReport drill(DrillVerdict verdict, DrillReport.Measure rto) {
		return new DrillReport(DrillReport.FORMAT_VERSION, "shop", "logical", verdict, List.of("RTO missed"),
				NOW.minusSeconds(3600), NOW.minusSeconds(3000), NOW.minusSeconds(3180), "eu", List.of("us"), rto,
				new DrillReport.Measure(10.0, null, null, "snapshot"), List.of(), null, List.of(), Map.of(), null);
	}

}
