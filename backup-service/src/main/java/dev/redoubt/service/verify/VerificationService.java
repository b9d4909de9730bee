package dev.redoubt.service.verify;

import java.time.Clock;

import org.springframework.stereotype.Service;

import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.verify.VerificationMetrics;
import dev.redoubt.verify.VerificationReport;
import dev.redoubt.verify.Verifier;

/**
 * Verifies one backup of a configured source with the source's settings, and records the
 * outcome in the metrics.
 */
@Service
public class VerificationService {

	private final Fleet fleet;

	private final Clock clock;

	private final VerificationMetrics metrics;

	public VerificationService(Fleet fleet, Clock clock, VerificationMetrics metrics) {
		this.fleet = fleet;
		this.clock = clock;
		this.metrics = metrics;
	}

	/**
	 * @param backup a backup id or {@code latest}
	 * @param region the region to prove, or {@code null} for the first
	 * @param sandbox a sandbox kind overriding the source's, or {@code null}
	 * @param jobs parallel sessions overriding the configured, or {@code null}
	 */
	public VerificationReport verify(String source, String backup, String region, String sandbox, Integer jobs) {
		this.fleet.requireSource(source);
		try (Repository repository = this.fleet.openRepository(source)) {
			BackupId id = repository.resolve(source, backup);
			VerificationReport report = new Verifier(repository, this.clock, this.fleet.sandboxKind(source, sandbox),
					this.fleet.sandboxRoot())
				.verify(source, id, region, this.fleet.verifySettings(source, jobs));
			this.metrics.record(report, report.backupTakenAt());
			return report;
		}
	}

}
