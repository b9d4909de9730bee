package dev.redoubt.service.retention;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.redoubt.core.wal.WalNames;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of the retention policy over random histories (seeded: a failure names its
 * seed): the newest verified backup is always kept, the counts are honoured, and no WAL
 * segment a kept base backup needs is ever expendable.
 */
class RetentionPolicyTest {

	private static final ZoneId UTC = ZoneOffset.UTC;

	private static final Instant EPOCH = Instant.parse("2024-01-01T00:00:00Z");

	@Test
	void theNewestVerifiedBackupIsAlwaysKeptAndTheRulesHold() {
		for (long seed = 1; seed <= 2000; seed++) {
			Random random = new Random(seed);
			List<RetentionPolicy.Candidate> candidates = randomHistory(random);
			RetentionPolicy policy = new RetentionPolicy(random.nextInt(4), random.nextInt(8), random.nextInt(5),
					random.nextInt(13), random.nextInt(3), UTC);

			Map<String, Set<String>> kept = policy.keep(candidates);

			String context = "seed " + seed + ", " + policy;
			candidates.stream()
				.filter(RetentionPolicy.Candidate::verified)
				.max(Comparator.comparing(RetentionPolicy.Candidate::completedAt)
					.thenComparing(RetentionPolicy.Candidate::id))
				.ifPresent((newest) -> assertThat(kept).as(context).containsKey(newest.id()));
			List<RetentionPolicy.Candidate> newestFirst = new ArrayList<>(candidates);
			newestFirst.sort(Comparator.comparing(RetentionPolicy.Candidate::completedAt)
				.thenComparing(RetentionPolicy.Candidate::id)
				.reversed());
			for (int i = 0; i < Math.min(policy.keepLast(), newestFirst.size()); i++) {
				assertThat(kept).as(context).containsKey(newestFirst.get(i).id());
			}
			// daily: the newest backup of each of the newest N days with a backup
			List<LocalDate> days = newestFirst.stream()
				.map((c) -> c.completedAt().atZone(UTC).toLocalDate())
				.distinct()
				.limit(policy.daily())
				.toList();
			for (LocalDate day : days) {
				RetentionPolicy.Candidate newestOfDay = newestFirst.stream()
					.filter((c) -> c.completedAt().atZone(UTC).toLocalDate().equals(day))
					.findFirst()
					.orElseThrow();
				assertThat(kept.get(newestOfDay.id())).as(context).contains("daily");
			}
			// nothing is kept without a reason, and no more than the rules allow
			int bound = policy.keepLast() + policy.daily() + policy.weekly() + policy.monthly() + policy.yearly() + 1;
			assertThat(kept.size()).as(context).isLessThanOrEqualTo(bound);
			kept.values().forEach((reasons) -> assertThat(reasons).as(context).isNotEmpty());
		}
	}

	@Test
	void grandfatherFatherSonKeepsOnePerPeriod() {
		List<RetentionPolicy.Candidate> nightly = new ArrayList<>();
		for (int day = 0; day < 400; day++) {
			Instant at = EPOCH.plus(Duration.ofDays(day)).plus(Duration.ofHours(2));
			nightly.add(new RetentionPolicy.Candidate("b" + (1000 + day), at, false));
		}

		Map<String, Set<String>> kept = new RetentionPolicy(2, 7, 4, 12, 1, UTC).keep(nightly);

		// 7 daily (the 2 newest among them), 4 weekly (Sundays; the newest is a daily
		// too),
		// 12 monthly (last days of month), 1 yearly; overlaps counted once
		assertThat(kept.entrySet().stream().filter((e) -> e.getValue().contains("daily"))).hasSize(7);
		assertThat(kept.entrySet().stream().filter((e) -> e.getValue().contains("weekly"))).hasSize(4);
		assertThat(kept.entrySet().stream().filter((e) -> e.getValue().contains("monthly"))).hasSize(12);
		assertThat(kept.entrySet().stream().filter((e) -> e.getValue().contains("yearly"))).hasSize(1);
		assertThat(kept).containsKey("b1399").containsKey("b1398");
		assertThat(kept).doesNotContainKey("b1000");
	}

	@Test
	void noSegmentAKeptBaseBackupNeedsIsEverExpendable() {
		long segmentBytes = WalNames.DEFAULT_SEGMENT_BYTES;
		for (long seed = 1; seed <= 1000; seed++) {
			Random random = new Random(seed);
			List<String> archived = new ArrayList<>();
			int timelines = 1 + random.nextInt(3);
			long first = random.nextInt(50);
			long count = 1 + random.nextInt(300);
			for (int timeline = 1; timeline <= timelines; timeline++) {
				for (long n = first; n < first + count; n++) {
					if (random.nextInt(10) > 0) {
						archived.add(WalNames.segmentName(timeline, n, segmentBytes));
					}
				}
				archived.add(WalNames.historyName(timeline));
			}
			List<WalRetention.BaseStart> kept = new ArrayList<>();
			for (int i = random.nextInt(4); i > 0; i--) {
				long startSegment = first + random.nextInt((int) count + 10);
				long lsn = startSegment * segmentBytes + random.nextInt((int) segmentBytes);
				kept.add(new WalRetention.BaseStart(WalNames.formatLsn(lsn), segmentBytes));
			}

			List<String> expendable = WalRetention.expendable(archived, kept);

			String context = "seed " + seed;
			for (WalRetention.BaseStart base : kept) {
				long start = WalNames.parseLsn(base.startLsn()) / segmentBytes;
				for (String name : expendable) {
					assertThat(WalNames.segmentNumber(name, segmentBytes)).as(context + ", " + name + " vs " + base)
						.isLessThan(start);
				}
			}
			assertThat(expendable).as(context).noneMatch(WalNames::isHistory);
			if (kept.isEmpty()) {
				assertThat(expendable).as(context + ": no kept base backup, no WAL deleted").isEmpty();
			}
		}
	}

	/** Up to 60 backups over up to two years, some several a day, some verified. */
	private static List<RetentionPolicy.Candidate> randomHistory(Random random) {
		List<RetentionPolicy.Candidate> candidates = new ArrayList<>();
		int count = random.nextInt(60);
		for (int i = 0; i < count; i++) {
			Instant at = EPOCH.plusSeconds(random.nextInt(2 * 365 * 24 * 3600));
			candidates.add(new RetentionPolicy.Candidate(String.format("id%04d", i), at, random.nextInt(4) == 0));
		}
		return candidates;
	}

}
