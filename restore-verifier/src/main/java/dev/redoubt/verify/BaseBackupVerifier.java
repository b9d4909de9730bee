package dev.redoubt.verify;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.restore.physical.PointInTimeRecovery;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreRequest;
import dev.redoubt.restore.physical.RecoveryTarget;
import dev.redoubt.restore.sandbox.SandboxKind;
import dev.redoubt.restore.sandbox.Sandboxes;
import dev.redoubt.verify.check.CheckResult;
import dev.redoubt.verify.check.CheckStatus;
import dev.redoubt.verify.check.VerifySettings;

/**
 * Proves a base backup: unpacks one region's copy into a throwaway data directory, lets
 * PostgreSQL replay the WAL it needs from that region's archive to the end of the backup
 * (the consistent point), then checks every database: indexes ({@code amcheck}) and
 * constraints, and the source's smoke queries on its database. The server that replays
 * runs on this machine or in a {@code postgres:<major>} container, as the sandbox kind
 * says ({@code auto}: local binaries of the backup's major version first). The record is
 * stored beside the base backup in every region.
 */
public final class BaseBackupVerifier {

	private static final Logger log = LoggerFactory.getLogger(BaseBackupVerifier.class);

	private final Repository repository;

	private final Clock clock;

	private final Path sandboxRoot;

	private final SandboxKind sandboxKind;

	public BaseBackupVerifier(Repository repository, Clock clock, SandboxKind sandboxKind, Path sandboxRoot) {
		this.repository = repository;
		this.clock = clock;
		this.sandboxKind = sandboxKind;
		this.sandboxRoot = sandboxRoot;
	}

	public VerificationReport verify(String source, BackupId id, String region, VerifySettings settings) {
		String regionName = (region != null) ? region : this.repository.store().regions().get(0).name();
		String area = BaseBackupManifest.area(source);
		Instant started = this.clock.instant();
		List<VerificationReport.Phase> phases = new ArrayList<>();
		List<CheckResult> results = new ArrayList<>();
		BaseBackupManifest manifest = this.repository.readManifest(area, id, BaseBackupManifest.class);
		results.add(new CheckResult(
				"manifest", "Manifest signature and format", CheckStatus.PASSED, "signed by this repository's key; WAL "
						+ manifest.startLsn() + " .. " + manifest.stopLsn() + " on timeline " + manifest.timeline(),
				Duration.ZERO));
		Path sandbox = sandboxDirectory(id);
		SandboxKind server = Sandboxes.resolve(this.sandboxKind, manifest.source().serverVersionNum() / 10000);
		String kind = (server == SandboxKind.TESTCONTAINERS) ? "testcontainers" : "local";
		Duration restore = null;
		try (Repository regional = this.repository.onlyRegion(regionName)) {
			Instant restoreStarted = this.clock.instant();
			PointInTimeRecovery.Recovered recovered;
			try {
				recovered = new RestoreEngine(regional, this.clock).recover(RestoreRequest.cluster(source)
					.backup(id)
					.pointInTime(RecoveryTarget.immediate())
					.dataDirectory(sandbox.resolve("data"))
					.jobs(settings.jobs())
					.readable()
					.server(server)
					.build());
			}
			catch (RedoubtException ex) {
				if (ex.code() != ErrorCode.CORRUPT_OBJECT && ex.code() != ErrorCode.RESTORE_INCOMPLETE
						&& ex.code() != ErrorCode.WAL_GAP) {
					throw ex;
				}
				results.add(new CheckResult("recovery", "Restored and replayed to consistency", CheckStatus.FAILED,
						ex.getMessage(), Duration.between(restoreStarted, this.clock.instant())));
				return record(source, id, regionName, kind, started, phases, results, null, manifest);
			}
			try (recovered) {
				restore = Duration.between(restoreStarted, this.clock.instant());
				phases.add(new VerificationReport.Phase("restore and replay", restore));
				results.add(new CheckResult("recovery", "Restored and replayed to consistency", CheckStatus.PASSED,
						String.join("; ", recovered.result().stoppedAt()), restore));
				Instant checksStarted = this.clock.instant();
				results.addAll(RecoveredClusterChecks.run(recovered, manifest, settings, this.clock));
				phases
					.add(new VerificationReport.Phase("checks", Duration.between(checksStarted, this.clock.instant())));
			}
		}
		finally {
			DirectoryTree.delete(sandbox);
		}
		return record(source, id, regionName, kind, started, phases, results, restore, manifest);
	}

	private VerificationReport record(String source, BackupId id, String region, String kind, Instant started,
			List<VerificationReport.Phase> phases, List<CheckResult> results, Duration restore,
			BaseBackupManifest manifest) {
		VerificationReport report = new VerificationReport(BaseBackupManifest.area(source), id.value(), region, started,
				this.clock.instant(), kind, manifest.source().serverVersion(), restore, List.copyOf(phases),
				List.copyOf(results), null, manifest.stopTime());
		String key = this.repository.writeVerification(report.toRecord());
		log.info("verification of base backup {} ({}): {}; record {}", id, region,
				report.verified() ? "verified" : report.failures().size() + " check(s) failed", key);
		return report;
	}

	private Path sandboxDirectory(BackupId id) {
		try {
			Files.createDirectories(this.sandboxRoot);
			Path directory = Files.createTempDirectory(this.sandboxRoot, "base-" + id + "-");
			Files.setPosixFilePermissions(directory,
					java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
			return directory;
		}
		catch (java.io.IOException ex) {
			throw new RedoubtException(ErrorCode.SANDBOX_FAILED,
					"cannot create a sandbox under " + this.sandboxRoot + ": " + ex.getMessage(), ex);
		}
	}

}
