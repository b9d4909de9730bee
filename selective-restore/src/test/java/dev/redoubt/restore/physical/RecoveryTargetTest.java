package dev.redoubt.restore.physical;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecoveryTargetTest {

	@Test
	void timesNeedAZoneAndReachPostgresInUtc() {
		Instant expected = Instant.parse("2026-12-02T13:31:00.25Z");
		for (String text : new String[] { "2026-12-02T13:31:00.25Z", "2026-12-02 14:31:00.250+01:00",
				"2026-12-02 13:31:00.25+00", "2026-12-02 13:31:00.25 +00:00" }) {
			RecoveryTarget target = RecoveryTarget.time(text);
			assertThat(target.time()).as(text).isEqualTo(expected);
			assertThat(target.settings()).containsEntry("recovery_target_time", "2026-12-02 13:31:00.25+00")
				.containsEntry("recovery_target_action", "promote")
				.containsEntry("recovery_target_timeline", "latest")
				.doesNotContainKey("recovery_target_lsn");
		}
		assertThatThrownBy(() -> RecoveryTarget.time("2026-12-02 13:31:00")).isInstanceOf(RedoubtException.class)
			.hasMessageContaining("zone");
	}

	@Test
	void lsnsXidsAndNamesAreCheckedBeforeAnythingRuns() {
		assertThat(RecoveryTarget.lsn("16/b374d848").settings()).containsEntry("recovery_target_lsn", "16/B374D848");
		assertThat(RecoveryTarget.lsn("0/3000000").lsn()).isEqualTo(0x3000000L);
		assertThat(RecoveryTarget.xid("742").settings()).containsEntry("recovery_target_xid", "742");
		assertThat(RecoveryTarget.name("before 'the' migration").settings()).containsEntry("recovery_target_name",
				"before 'the' migration");
		assertThat(RecoveryTarget.latest().settings()).doesNotContainKeys("recovery_target_time", "recovery_target_lsn",
				"recovery_target_xid", "recovery_target_name");
		for (Runnable bad : new Runnable[] { () -> RecoveryTarget.lsn("16-B374"), () -> RecoveryTarget.xid("12; DROP"),
				() -> RecoveryTarget.name("two\nlines"), () -> RecoveryTarget.name("") }) {
			assertThatThrownBy(bad::run).isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.INVALID_SELECTION));
		}
	}

}
