package dev.redoubt.service.schedule;

import java.util.function.Function;

import dev.redoubt.service.config.RedoubtProperties;

/**
 * The jobs the service schedules per source, each with the key of its cron expression
 * under {@code redoubt.sources.<name>.schedules} (the drill's: {@code drill.schedule}).
 */
public enum JobType {

	LOGICAL_BACKUP("logical-backup", RedoubtProperties.Schedules::logical),

	BASE_BACKUP("base-backup", RedoubtProperties.Schedules::base),

	VERIFY("verify", RedoubtProperties.Schedules::verify),

	REPO_CHECK("repo-check", RedoubtProperties.Schedules::repoCheck),

	RETENTION("retention", RedoubtProperties.Schedules::retention),

	DRILL("drill", null),

	REFRESH("refresh", null);

	private final String label;

	private final Function<RedoubtProperties.Schedules, String> cron;

	JobType(String label, Function<RedoubtProperties.Schedules, String> cron) {
		this.label = label;
		this.cron = cron;
	}

	/** The name in metrics, the API and Quartz's job keys. */
	public String label() {
		return this.label;
	}

	/** The source's cron expression for this job, or {@code null} if it has none. */
	public String cron(RedoubtProperties.Source source) {
		return switch (this) {
			case DRILL -> source.drill().schedule();
			case REFRESH -> (source.refresh() != null) ? source.refresh().schedule() : null;
			default -> this.cron.apply(source.schedules());
		};
	}

	/** The source's schedules, cron expression by job label, in job order. */
	public static java.util.Map<String, String> schedules(RedoubtProperties.Source source) {
		java.util.Map<String, String> schedules = new java.util.LinkedHashMap<>();
		for (JobType type : values()) {
			if (type.cron(source) != null) {
				schedules.put(type.label, type.cron(source));
			}
		}
		return schedules;
	}

	public static JobType fromLabel(String label) {
		for (JobType type : values()) {
			if (type.label.equals(label)) {
				return type;
			}
		}
		throw new IllegalArgumentException("no job type '" + label + "'");
	}

}
