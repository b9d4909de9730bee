package dev.redoubt.service.schedule;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WAL lag and failures the service republishes are the ones the archiver wrote into
 * its spool.
 */
class FleetMetricsWalLagTest {

	@TempDir
	Path spool;

	@Test
	void readsTheArchiversLagAndIsUnknownWithoutIt() throws Exception {
		assertThat(FleetMetrics.walLag(this.spool)).isNaN();
		assertThat(FleetMetrics.walFailures(this.spool)).isZero();
		Files.writeString(this.spool.resolve("metrics.prom"), """
				# HELP redoubt_wal_archive_lag_seconds Age of the oldest segment not yet archived
				# TYPE redoubt_wal_archive_lag_seconds gauge
				redoubt_wal_archive_lag_seconds{source="main"} 1.25
				redoubt_wal_archive_pending 3.0
				redoubt_wal_archive_failures_total{source="main"} 4.0
				""");
		assertThat(FleetMetrics.walLag(this.spool)).isEqualTo(1.25);
		assertThat(FleetMetrics.walFailures(this.spool)).isEqualTo(4.0);
	}

}
