package dev.redoubt.service.retention;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Which backups to keep: the newest N, and grandfather-father-son (the newest backup of
 * each of the last N days, ISO weeks, months and years that have one). A backup kept by
 * any rule is kept, and the newest verified backup is always kept, whatever the counts.
 * Pure: it sees ids, times and verdicts, never the repository.
 *
 * @param keepLast the newest N
 * @param daily days
 * @param weekly ISO weeks
 * @param monthly months
 * @param yearly years
 * @param zone where days begin (the service's zone)
 */
public record RetentionPolicy(int keepLast, int daily, int weekly, int monthly, int yearly, ZoneId zone) {

	/**
	 * One backup as the policy sees it.
	 *
	 * @param sequence its manifest's place in the source's sequence (0 for manifests from
	 * before sequences): the order of "newest", which a clock that jumped cannot change
	 */
	public record Candidate(String id, Instant completedAt, long sequence, boolean verified) {

		public Candidate(String id, Instant completedAt, boolean verified) {
			this(id, completedAt, 0, verified);
		}

	}

	/**
	 * The backups kept, each with the rules that keep it, newest first; every other
	 * candidate expires.
	 */
	public Map<String, Set<String>> keep(List<Candidate> candidates) {
		List<Candidate> newestFirst = new ArrayList<>(candidates);
		newestFirst.sort(Comparator.comparingLong(Candidate::sequence)
			.thenComparing(Candidate::completedAt)
			.thenComparing(Candidate::id)
			.reversed());
		Map<String, Set<String>> kept = new LinkedHashMap<>();
		for (int i = 0; i < Math.min(this.keepLast, newestFirst.size()); i++) {
			reason(kept, newestFirst.get(i), "last-" + this.keepLast);
		}
		period(kept, newestFirst, this.daily, "daily", this::day);
		period(kept, newestFirst, this.weekly, "weekly", (at) -> {
			LocalDate day = day(at);
			return day.get(IsoFields.WEEK_BASED_YEAR) * 100L + day.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
		});
		period(kept, newestFirst, this.monthly, "monthly", (at) -> day(at).withDayOfMonth(1));
		period(kept, newestFirst, this.yearly, "yearly", (at) -> day(at).getYear());
		newestFirst.stream()
			.filter(Candidate::verified)
			.findFirst()
			.ifPresent((newest) -> reason(kept, newest, "newest-verified"));
		Map<String, Set<String>> ordered = new LinkedHashMap<>();
		for (Candidate candidate : newestFirst) {
			if (kept.containsKey(candidate.id())) {
				ordered.put(candidate.id(), kept.get(candidate.id()));
			}
		}
		return ordered;
	}

	private LocalDate day(Instant at) {
		return at.atZone(this.zone).toLocalDate();
	}

	/** The newest backup of each of the {@code count} newest periods that have one. */
	private static void period(Map<String, Set<String>> kept, List<Candidate> newestFirst, int count, String rule,
			Function<Instant, Object> periodOf) {
		Set<Object> periods = new LinkedHashSet<>();
		for (Candidate candidate : newestFirst) {
			if (periods.size() == count && !periods.contains(periodOf.apply(candidate.completedAt()))) {
				break;
			}
			if (periods.add(periodOf.apply(candidate.completedAt()))) {
				reason(kept, candidate, rule);
			}
		}
	}

	private static void reason(Map<String, Set<String>> kept, Candidate candidate, String reason) {
		kept.computeIfAbsent(candidate.id(), (k) -> new LinkedHashSet<>()).add(reason);
	}

}
