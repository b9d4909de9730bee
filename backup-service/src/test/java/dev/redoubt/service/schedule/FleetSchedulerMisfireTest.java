package dev.redoubt.service.schedule;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.service.config.RedoubtProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The documented misfire policy, on Quartz's real JDBC job store (H2): a schedule whose
 * fires were all missed while no replica ran (six every-ten-minutes fires in the last
 * hour) runs once when the scheduler starts, not six times and not never. The job runner
 * is the one thing faked: the test counts its calls.
 */
class FleetSchedulerMisfireTest {

	@TempDir
	Path directory;

	@Test
	void missedFiresRunOnceOnStart() throws Exception {
		JdbcDataSource dataSource = new JdbcDataSource();
		dataSource.setURL("jdbc:h2:file:" + this.directory.resolve("metadata"));
		dataSource.setUser("sa");
		List<String> fires = new CopyOnWriteArrayList<>();
		JobRunner counting = new JobRunner(null, null, null, null, null, null, null, null) {
			@Override
			public void run(JobType type, String source, String fireKey, String owner) {
				fires.add(fireKey);
			}
		};
		RedoubtProperties.Service service = new RedoubtProperties.Service(null, null, Duration.ofSeconds(1), 2, null,
				null);
		try (FleetScheduler scheduler = FleetScheduler.create(dataSource, "jdbc:h2:file:", service, counting)) {
			// the job exists (no schedule yet), then a trigger due an hour ago is stored
			scheduler.synchronize(Map.of("shop", source()));
			Date anHourAgo = Date.from(Instant.now().minus(Duration.ofMinutes(61)));
			scheduler.schedule(FleetScheduler.cronTrigger("shop", JobType.LOGICAL_BACKUP, "0 0/10 * * * ?", anHourAgo));

			scheduler.start();
			long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
			while (fires.isEmpty() && System.nanoTime() < deadline) {
				Thread.sleep(100);
			}
			Thread.sleep(3000);

			assertThat(fires).as("missed fires run once, at start").hasSize(1);
			assertThat(fires.get(0)).startsWith("logical-backup/shop@");
		}
	}

	private static RedoubtProperties.Source source() {
		return new RedoubtProperties.Source("jdbc:postgresql://127.0.0.1:1/shop", "postgres", null, null, null, null,
				null, null, null, null, null, null);
	}

}
