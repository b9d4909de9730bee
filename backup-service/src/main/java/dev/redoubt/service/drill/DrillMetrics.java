package dev.redoubt.service.drill;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.redoubt.core.repository.Repository;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.config.RedoubtProperties;
import dev.redoubt.verify.drill.DrillHistory;
import dev.redoubt.verify.drill.DrillReport;
import dev.redoubt.verify.drill.DrillVerdict;

/**
 * The drills' metrics, per source with a drill schedule, registered at start from the
 * newest drill record in the repository (so they survive a restart and the loss of the
 * metadata database): when the last drill declared its disaster (0: never), its verdict
 * (one series per verdict, 1 for the last one), its measured RTO and RPO, and the
 * targets.
 */
@Component
public class DrillMetrics {

	private static final Logger log = LoggerFactory.getLogger(DrillMetrics.class);

	private final MeterRegistry registry;

	private final Fleet fleet;

	private final Map<String, DrillReport> last = new ConcurrentHashMap<>();

	public DrillMetrics(MeterRegistry registry, Fleet fleet) {
		this.registry = registry;
		this.fleet = fleet;
	}

	public void register(Map<String, RedoubtProperties.Source> sources) {
		sources.forEach((source, settings) -> {
			RedoubtProperties.Drill drill = settings.drill();
			if (drill.schedule() == null) {
				return;
			}
			try (Repository repository = this.fleet.openRepository(source)) {
				DrillHistory.newest(repository, source).ifPresent((report) -> this.last.put(source, report));
			}
			catch (RuntimeException ex) {
				log.warn("cannot read the drill history of {}: {}", source, ex.getMessage());
			}
			Gauge.builder("redoubt.drill.last.timestamp", this, (m) -> m.value(source, "timestamp"))
				.description("When the newest DR drill of the source declared its disaster (epoch seconds; 0: never)")
				.tags("source", source)
				.baseUnit("seconds")
				.register(this.registry);
			for (DrillVerdict verdict : DrillVerdict.values()) {
				Gauge.builder("redoubt.drill.last.verdict", this, (m) -> m.verdict(source, verdict))
					.description("1 for the verdict of the newest DR drill of the source, 0 for the others")
					.tags("source", source, "verdict", verdict.name())
					.register(this.registry);
			}
			Gauge.builder("redoubt.drill.last.rto", this, (m) -> m.value(source, "rto"))
				.description("Recovery time the newest DR drill measured (NaN: not measured)")
				.tags("source", source)
				.baseUnit("seconds")
				.register(this.registry);
			Gauge.builder("redoubt.drill.last.rpo", this, (m) -> m.value(source, "rpo"))
				.description("Data loss the newest DR drill measured (NaN: not measured)")
				.tags("source", source)
				.baseUnit("seconds")
				.register(this.registry);
			target("redoubt.drill.rto.target", source, drill.rto(), "The source's recovery time target");
			target("redoubt.drill.rpo.target", source, drill.rpo(), "The source's data loss target");
		});
	}

	/** The newest drill of a source with a drill schedule, as the metrics show it. */
	public java.util.Optional<DrillReport> newest(String source) {
		return java.util.Optional.ofNullable(this.last.get(source));
	}

	/** Takes a drill's outcome. */
	public void drilled(String source, DrillReport report) {
		this.last.put(source, report);
	}

	private void target(String name, String source, Duration target, String description) {
		Gauge.builder(name, () -> (target == null) ? Double.NaN : target.toMillis() / 1000.0)
			.description(description + " (NaN: none)")
			.tags("source", source)
			.baseUnit("seconds")
			.register(this.registry);
	}

	private double value(String source, String what) {
		DrillReport report = this.last.get(source);
		if (report == null) {
			return "timestamp".equals(what) ? 0 : Double.NaN;
		}
		Double seconds = switch (what) {
			case "timestamp" -> report.disasterAt().toEpochMilli() / 1000.0;
			case "rto" -> report.rto().seconds();
			default -> report.rpo().seconds();
		};
		return (seconds == null) ? Double.NaN : seconds;
	}

	private double verdict(String source, DrillVerdict verdict) {
		DrillReport report = this.last.get(source);
		return (report != null && report.verdict() == verdict) ? 1 : 0;
	}

}
