package dev.redoubt.verify.drill;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The small parts of a drill: what PostgreSQL reported, the rotation of lost regions. */
class DrillPartsTest {

	@Test
	void theNewestCommitIsReadFromWhatPostgresReportedAtTheEndOfRecovery() {
		assertThat(Drill.newestCommit(List.of("redo done at 0/5000060 system usage: CPU: user: 0.00 s",
				"last completed transaction was at log time 2026-12-06 20:42:38.076633+00",
				"selected new timeline ID: 2")))
			.isEqualTo(Instant.parse("2026-12-06T20:42:38.076633Z"));
		assertThat(Drill.newestCommit(List.of("last completed transaction was at log time 2026-12-06 22:42:38+02")))
			.isEqualTo(Instant.parse("2026-12-06T20:42:38Z"));
		assertThat(
				Drill.newestCommit(List.of("last completed transaction was at log time 2026-12-06 15:12:00.5-05:30")))
			.isEqualTo(Instant.parse("2026-12-06T20:42:00.5Z"));
		assertThat(Drill.newestCommit(List.of("redo done at 0/5000060", "consistent recovery state reached")))
			.as("no transaction replayed")
			.isNull();
	}

	@Test
	void eachDrillLosesTheRegionAfterTheOneTheNewestDrillLost() {
		List<String> inTurn = List.of("eu", "us", "ap");
		assertThat(DrillHistory.nextRegion(List.of(), inTurn)).isEqualTo("eu");
		assertThat(DrillHistory.nextRegion(List.of(lost("eu")), inTurn)).isEqualTo("us");
		assertThat(DrillHistory.nextRegion(List.of(lost("eu"), lost("ap")), inTurn)).isEqualTo("eu");
		assertThat(DrillHistory.nextRegion(List.of(lost("us"), lost("gone")), inTurn))
			.as("a region no longer in turn is passed over")
			.isEqualTo("ap");
	}

	@Test
	void targetsAreMetAtTheirValueAndMissedAboveIt() {
		assertThat(DrillReport.Measure.of(Duration.ofSeconds(60), Duration.ofSeconds(60), "b").met()).isTrue();
		assertThat(DrillReport.Measure.of(Duration.ofMillis(60_001), Duration.ofSeconds(60), "b").met()).isFalse();
		assertThat(DrillReport.Measure.of(Duration.ofSeconds(1), null, "b").met()).isNull();
		assertThat(DrillReport.Measure.of(null, Duration.ofSeconds(1), "b").met()).isNull();
	}

	@Test
	void durationsReadAsPeopleWriteThem() {
		assertThat(Drill.human(Duration.ofMillis(1234))).isEqualTo("1.2 s");
		assertThat(Drill.human(Duration.ofSeconds(185))).isEqualTo("3 min 05 s");
		assertThat(Drill.human(Duration.ofMinutes(121))).isEqualTo("2 h 01 min");
	}

	private static DrillReport lost(String region) {
		DrillReport.Measure none = new DrillReport.Measure(null, null, null, null);
		return new DrillReport(1, "shop", "physical", DrillVerdict.PASS, List.of(), Instant.EPOCH, Instant.EPOCH, null,
				region, List.of(), none, none, List.of(), null, List.of(), Map.of(), null);
	}

}
