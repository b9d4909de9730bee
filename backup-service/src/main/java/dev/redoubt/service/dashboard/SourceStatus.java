package dev.redoubt.service.dashboard;

import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.quartz.CronExpression;

import dev.redoubt.service.catalog.CatalogEntries;
import dev.redoubt.service.config.RedoubtProperties;
import dev.redoubt.verify.drill.DrillReport;
import dev.redoubt.verify.drill.DrillVerdict;

/**
 * One source as the fleet page shows it: its newest backups, verification and drill, its
 * WAL archive lag, and the health they add up to, with every reason it is not green.
 *
 * @param name the source
 * @param health the worst of its problems
 * @param problems why it is not green, worst first (empty when green)
 * @param newestLogical its newest logical backup, or {@code null}
 * @param newestBase its newest base backup, or {@code null}
 * @param newestVerification the verification that ended last, or {@code null}
 * @param drill its newest drill, or {@code null}
 * @param walLagSeconds the age of the newest archived WAL as the archiver published it,
 * or {@code null} when no archiver publishes for it
 */
public record SourceStatus(String name, Health health, List<String> problems, CatalogEntries.Backup newestLogical,
		CatalogEntries.Backup newestBase, CatalogEntries.Verification newestVerification, DrillReport drill,
		Double walLagSeconds) {

	/** WAL older than this in the archive makes a source amber. */
	static final Duration WAL_LAG_WARNING = Duration.ofMinutes(15);

	/** A scheduled backup this late after its fire makes a source amber (at least). */
	static final Duration MIN_GRACE = Duration.ofHours(1);

	/**
	 * Judges a source.
	 * @param entries what the catalog holds of it (empty lists when nothing)
	 * @param drill its newest drill, if any
	 * @param walLagSeconds its published WAL archive lag, or {@code null}
	 */
	static SourceStatus judge(String name, RedoubtProperties.Source source, CatalogEntries entries,
			Optional<DrillReport> drill, Double walLagSeconds, Instant now) {
		CatalogEntries.Backup logical = newest(entries, "logical");
		CatalogEntries.Backup base = newest(entries, "base");
		CatalogEntries.Verification lastVerification = entries.verifications()
			.stream()
			.max(Comparator.comparing(CatalogEntries.Verification::finishedAt))
			.orElse(null);
		List<String> red = new ArrayList<>();
		List<String> amber = new ArrayList<>();
		RedoubtProperties.Schedules schedules = source.schedules();
		if (entries.backups().isEmpty()) {
			red.add("never backed up");
		}
		else {
			CatalogEntries.Backup newest = entries.backups().get(0);
			Optional<CatalogEntries.Verification> verdict = entries.newestVerification(newest.id());
			if (verdict.isPresent() && !verdict.get().verified()) {
				red.add("verification of backup " + newest.id() + " failed" + (verdict.get().failedChecks().isEmpty()
						? "" : " (" + String.join(", ", verdict.get().failedChecks()) + ")"));
			}
			else if (verdict.isEmpty() && schedules.verify() != null) {
				amber.add("newest backup " + newest.id() + " not verified yet");
			}
		}
		if (!entries.backups().isEmpty()) {
			overdue("logical", schedules.logical(), logical, now).ifPresent(amber::add);
			overdue("base", schedules.base(), base, now).ifPresent(amber::add);
		}
		DrillReport report = drill.orElse(null);
		if (report == null) {
			if (source.drill().schedule() != null) {
				amber.add("never drilled");
			}
		}
		else if (report.verdict() == DrillVerdict.FAIL) {
			red.add(drillFailure(report));
		}
		else if (report.verdict() == DrillVerdict.COULD_NOT_RUN) {
			amber.add("the newest drill could not run");
		}
		if (walLagSeconds != null && walLagSeconds > WAL_LAG_WARNING.toSeconds()) {
			amber.add("WAL archive lag " + Ages.duration(walLagSeconds));
		}
		List<String> problems = new ArrayList<>(red);
		problems.addAll(amber);
		Health health = !red.isEmpty() ? Health.RED : !amber.isEmpty() ? Health.AMBER : Health.GREEN;
		return new SourceStatus(name, health, problems, logical, base, lastVerification, report, walLagSeconds);
	}

	private static CatalogEntries.Backup newest(CatalogEntries entries, String type) {
		return entries.backups().stream().filter((b) -> b.type().equals(type)).findFirst().orElse(null);
	}

	/**
	 * A scheduled backup type whose next fire after its newest backup passed more than a
	 * grace period ago (an hour, or twice the backup's duration); a schedule without any
	 * backup of its type yet.
	 */
	static Optional<String> overdue(String type, String cron, CatalogEntries.Backup newest, Instant now) {
		if (cron == null) {
			return Optional.empty();
		}
		if (newest == null) {
			return Optional.of("no " + type + " backup yet");
		}
		try {
			Date next = new CronExpression(cron).getNextValidTimeAfter(Date.from(newest.completedAt()));
			Duration grace = Duration.ofMillis(Math.max(MIN_GRACE.toMillis(), 2 * newest.durationMillis()));
			if (next != null && next.toInstant().plus(grace).isBefore(now)) {
				return Optional.of(type + " backup overdue: due " + Ages.ago(next.toInstant(), now));
			}
		}
		catch (ParseException ex) {
			// FleetRules refuses such a schedule at start; nothing to judge here
		}
		return Optional.empty();
	}

	private static String drillFailure(DrillReport report) {
		List<String> missed = new ArrayList<>();
		if (Boolean.FALSE.equals(report.rto().met())) {
			missed.add("RTO " + Ages.duration(report.rto().seconds()) + " against a target of "
					+ Ages.duration(report.rto().targetSeconds()));
		}
		if (Boolean.FALSE.equals(report.rpo().met())) {
			missed.add("RPO " + Ages.duration(report.rpo().seconds()) + " against a target of "
					+ Ages.duration(report.rpo().targetSeconds()));
		}
		return missed.isEmpty()
				? "the newest drill failed"
						+ (report.reasons().isEmpty() ? "" : ": " + report.reasons().get(0).toLowerCase(Locale.ROOT))
				: "the newest drill missed its " + String.join(" and its ", missed);
	}

	/** Worst first: health, then the number of problems, then the name. */
	static final Comparator<SourceStatus> WORST_FIRST = Comparator.comparing(SourceStatus::health)
		.thenComparing((SourceStatus s) -> -s.problems().size())
		.thenComparing(SourceStatus::name);

}
