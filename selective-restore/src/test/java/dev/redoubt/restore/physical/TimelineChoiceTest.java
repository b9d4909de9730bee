package dev.redoubt.restore.physical;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TimelineChoiceTest {

	/** Timeline 2 left 1 at 0/A000000; timeline 3 left 2 at 0/F000000. */
	private static final Map<Integer, String> HISTORIES = Map.of(2, "1\t0/A000000\tno recovery target specified\n", 3,
			"1\t0/A000000\tno recovery target specified\n2\t0/F000000\tafter point-in-time recovery\n");

	@Test
	void aBackupFromBeforeTheForksFollowsTheNewestTimeline() {
		assertThat(TimelineChoice.reachable(1, 0x9000100L, HISTORIES)).isEqualTo(3);
	}

	@Test
	void aBackupTakenOnTheOldTimelineAfterTheForkStaysOnIt() {
		// the case PostgreSQL's "latest" refuses: timeline 2 forked off before the backup
		assertThat(TimelineChoice.reachable(1, 0xC000100L, HISTORIES)).isEqualTo(1);
	}

	@Test
	void aBackupOnTimelineTwoBeforeItsForkFollowsThree() {
		assertThat(TimelineChoice.reachable(2, 0xB000000L, HISTORIES)).isEqualTo(3);
		assertThat(TimelineChoice.reachable(2, 0x10000000L, HISTORIES)).isEqualTo(2);
	}

}
