package dev.redoubt.service.dashboard;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.stereotype.Component;

import dev.redoubt.service.catalog.CatalogEntries;
import dev.redoubt.service.catalog.CatalogStore;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.config.RedoubtProperties;
import dev.redoubt.service.drill.DrillMetrics;
import dev.redoubt.service.schedule.FleetMetrics;

/**
 * The state of every source, from what the service keeps at hand: the catalog (read in
 * three queries for the whole fleet), the newest drills the drill metrics hold, and the
 * WAL lag the archivers publish. Nothing here lists a bucket, so the fleet page stays
 * fast for hundreds of sources.
 */
@Component
@ConditionalOnWebApplication
public class FleetView {

	/** The columns the fleet page sorts by. */
	public enum Sort {

		HEALTH("Health"), NAME("Source"), BACKUP("Newest backup"), VERIFICATION("Newest verification"),
		DRILL("Newest drill"), WAL("WAL lag");

		private final String label;

		Sort(String label) {
			this.label = label;
		}

		/** The column's heading. */
		public String label() {
			return this.label;
		}

		/** The value of the {@code sort} parameter. */
		public String key() {
			return name().toLowerCase(Locale.ROOT);
		}

		static Sort parse(String text) {
			try {
				return (text == null || text.isBlank()) ? HEALTH : valueOf(text.toUpperCase(Locale.ROOT));
			}
			catch (IllegalArgumentException ex) {
				return HEALTH;
			}
		}

	}

	private final Fleet fleet;

	private final CatalogStore catalog;

	private final DrillMetrics drills;

	private final Clock clock;

	public FleetView(Fleet fleet, CatalogStore catalog, DrillMetrics drills, Clock clock) {
		this.fleet = fleet;
		this.catalog = catalog;
		this.drills = drills;
		this.clock = clock;
	}

	/** Every source judged, worst first. */
	public List<SourceStatus> all() {
		Map<String, CatalogEntries> entries = this.catalog.readAll();
		Instant now = this.clock.instant();
		List<SourceStatus> statuses = new ArrayList<>();
		this.fleet.sources().forEach((name, source) -> statuses.add(judge(name, source, entries.get(name), now)));
		statuses.sort(SourceStatus.WORST_FIRST);
		return statuses;
	}

	/** One source judged. */
	public SourceStatus one(String name, CatalogEntries entries) {
		return judge(name, this.fleet.sources().get(name), entries, this.clock.instant());
	}

	private SourceStatus judge(String name, RedoubtProperties.Source source, CatalogEntries entries, Instant now) {
		CatalogEntries known = (entries != null) ? entries : new CatalogEntries(name, List.of(), List.of(), List.of());
		Path spool = this.fleet.properties().service().walSpools().get(name);
		Double lag = null;
		if (spool != null) {
			double published = FleetMetrics.walLag(spool);
			lag = (Double.isNaN(published) || published < 0) ? null : published;
		}
		return SourceStatus.judge(name, source, known, this.drills.newest(name), lag, now);
	}

	/**
	 * {@code all} (the fleet, judged) filtered by name ({@code query}, a substring, any
	 * case) and health, sorted by a column (health: worst first; ages: oldest first;
	 * descending reverses).
	 */
	public static List<SourceStatus> page(List<SourceStatus> all, String query, String health, String sort,
			boolean descending) {
		String needle = (query == null) ? "" : query.strip().toLowerCase(Locale.ROOT);
		List<SourceStatus> rows = new ArrayList<>(all.stream()
			.filter((s) -> needle.isEmpty() || s.name().toLowerCase(Locale.ROOT).contains(needle))
			.filter((s) -> health == null || health.isBlank() || s.health().label().equals(health))
			.toList());
		Comparator<SourceStatus> order = switch (Sort.parse(sort)) {
			case HEALTH -> SourceStatus.WORST_FIRST;
			case NAME -> Comparator.comparing(SourceStatus::name);
			case BACKUP -> Comparator.comparing((SourceStatus s) -> newestBackup(s), nullsOldest())
				.thenComparing(SourceStatus::name);
			case VERIFICATION -> Comparator.comparing(
					(SourceStatus s) -> (s.newestVerification() == null) ? null : s.newestVerification().finishedAt(),
					nullsOldest())
				.thenComparing(SourceStatus::name);
			case DRILL -> Comparator
				.comparing((SourceStatus s) -> (s.drill() == null) ? null : s.drill().disasterAt(), nullsOldest())
				.thenComparing(SourceStatus::name);
			case WAL -> Comparator
				.comparing(
						(SourceStatus s) -> (s.walLagSeconds() == null) ? Double.POSITIVE_INFINITY : -s.walLagSeconds())
				.thenComparing(SourceStatus::name);
		};
		rows.sort(descending ? order.reversed() : order);
		return rows;
	}

	private static Comparator<Instant> nullsOldest() {
		return Comparator.nullsFirst(Comparator.naturalOrder());
	}

	static Instant newestBackup(SourceStatus status) {
		Instant logical = (status.newestLogical() == null) ? null : status.newestLogical().completedAt();
		Instant base = (status.newestBase() == null) ? null : status.newestBase().completedAt();
		if (logical == null || base == null) {
			return (logical != null) ? logical : base;
		}
		return logical.isAfter(base) ? logical : base;
	}

}
