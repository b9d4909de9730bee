package dev.redoubt.service.dashboard;

import java.sql.Timestamp;
import java.util.List;

import javax.sql.DataSource;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * A source's newest job runs, read from Spring Batch's tables in one query (its runs
 * carry the source as a job parameter): the job-runs API walks job instances, which on a
 * fleet of hundreds of sources means thousands of queries for one source's page.
 */
@Component
@ConditionalOnWebApplication
public class RecentRuns {

	/**
	 * One run.
	 *
	 * @param id the job execution's id
	 * @param job the job's name
	 * @param status Spring Batch's status ({@code COMPLETED}, {@code FAILED}, ...)
	 * @param startTime when it started, {@code null} if it has not
	 * @param error the first line of its exit description, or {@code null}
	 */
	public record Run(long id, String job, String status, java.time.LocalDateTime startTime, String error) {
	}

	private static final String NEWEST = """
			SELECT e.JOB_EXECUTION_ID, i.JOB_NAME, e.STATUS, e.START_TIME, e.EXIT_MESSAGE
			FROM BATCH_JOB_EXECUTION e
			JOIN BATCH_JOB_INSTANCE i ON i.JOB_INSTANCE_ID = e.JOB_INSTANCE_ID
			WHERE EXISTS (SELECT 1 FROM BATCH_JOB_EXECUTION_PARAMS p WHERE p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID
			              AND p.PARAMETER_NAME = 'source' AND p.PARAMETER_VALUE = ?)
			ORDER BY e.JOB_EXECUTION_ID DESC
			FETCH FIRST %d ROWS ONLY""";

	private final JdbcTemplate jdbc;

	public RecentRuns(DataSource dataSource) {
		this.jdbc = new JdbcTemplate(dataSource);
	}

	/** The newest {@code limit} runs of {@code source}, newest first. */
	public List<Run> of(String source, int limit) {
		return this.jdbc.query(NEWEST.formatted(limit), (row, n) -> {
			Timestamp started = row.getTimestamp(4);
			String message = row.getString(5);
			return new Run(row.getLong(1), row.getString(2), row.getString(3),
					(started != null) ? started.toLocalDateTime() : null,
					(message == null || message.isBlank()) ? null : message.lines().findFirst().orElse(null));
		}, source);
	}

}
