package dev.redoubt.verify;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreRequest;
import dev.redoubt.restore.RestoreResult;
import dev.redoubt.verify.check.ChunkIntegrityCheck;
import dev.redoubt.verify.check.CheckResult;
import dev.redoubt.verify.check.CheckStatus;
import dev.redoubt.verify.check.ConstraintCheck;
import dev.redoubt.verify.check.ContentHashCheck;
import dev.redoubt.verify.check.IndexCheck;
import dev.redoubt.verify.check.ManifestCheck;
import dev.redoubt.verify.check.Outcome;
import dev.redoubt.verify.check.RowCountCheck;
import dev.redoubt.verify.check.SchemaRestoreCheck;
import dev.redoubt.verify.check.SchemaVersionCheck;
import dev.redoubt.verify.check.SequencesAndLargeObjectsCheck;
import dev.redoubt.verify.check.SmokeQueryCheck;
import dev.redoubt.verify.check.VerificationCheck;
import dev.redoubt.verify.check.VerificationContext;
import dev.redoubt.verify.check.VerifySettings;
import dev.redoubt.restore.sandbox.Sandbox;
import dev.redoubt.restore.sandbox.SandboxKind;
import dev.redoubt.restore.sandbox.Sandboxes;

/**
 * Proves a backup by restoring it: verifies the manifest of one region's copy, restores
 * that copy alone (no fallback to another region) into a throwaway PostgreSQL of the
 * backup's major version, runs every check against it, tears the sandbox down and stores
 * a signed verification record beside the backup in every region. A failed check never
 * marks a backup verified; a verification that could not run (no sandbox, region
 * unreachable) throws instead of reporting.
 */
public final class Verifier {

	private static final Logger log = LoggerFactory.getLogger(Verifier.class);

	/** Checks run against the restored copy, in report order after checks 1 to 3. */
	private static final List<VerificationCheck> CHECKS = List.of(new RowCountCheck(), new ContentHashCheck(),
			new SequencesAndLargeObjectsCheck(), new IndexCheck(), new ConstraintCheck(), new SmokeQueryCheck(),
			new SchemaVersionCheck());

	private final Repository repository;

	private final Clock clock;

	private final SandboxKind sandboxKind;

	private final Path sandboxRoot;

	private Consumer<ConnectionSpec> beforeRestore = (target) -> {
	};

	private Consumer<ConnectionSpec> afterRestore = (target) -> {
	};

	public Verifier(Repository repository, Clock clock, SandboxKind sandboxKind, Path sandboxRoot) {
		this.repository = repository;
		this.clock = clock;
		this.sandboxKind = sandboxKind;
		this.sandboxRoot = sandboxRoot;
	}

	/**
	 * A step run in the sandbox database before the restore (fault injection in tests).
	 */
	public Verifier beforeRestore(Consumer<ConnectionSpec> step) {
		this.beforeRestore = step;
		return this;
	}

	/**
	 * A step run on the restored database before the checks (fault injection in tests).
	 */
	public Verifier afterRestore(Consumer<ConnectionSpec> step) {
		this.afterRestore = step;
		return this;
	}

	/**
	 * Verifies one backup's copy in one region and records the result in every region.
	 * @param region the region to prove, or {@code null} for the first configured one
	 * @throws RedoubtException {@code SANDBOX_FAILED}, a region or database error: the
	 * verification could not run, and nothing is recorded
	 */
	public VerificationReport verify(String source, BackupId id, String region, VerifySettings settings) {
		String regionName = (region != null) ? region : this.repository.store().regions().get(0).name();
		Instant started = this.clock.instant();
		List<VerificationReport.Phase> phases = new ArrayList<>();
		List<CheckResult> results = new ArrayList<>();
		String sandboxKindUsed = "none";
		String serverVersion = null;
		Duration restoreDuration = null;
		Manifest manifest;
		try (Repository regional = this.repository.onlyRegion(regionName)) {
			ManifestCheck.Result manifestResult = timed(phases, "manifest",
					() -> ManifestCheck.run(regional, source, id));
			results.add(result(ManifestCheck.ID, ManifestCheck.TITLE, manifestResult.outcome(), phases));
			manifest = manifestResult.manifest();
			if (manifest == null) {
				skipRest(results, ChunkIntegrityCheck.ID, "the manifest could not be trusted");
			}
			else {
				int major = manifest.source().serverVersionNum() / 10000;
				Sandbox sandbox = timed(phases, "sandbox start",
						() -> Sandboxes.start(this.sandboxKind, major, this.sandboxRoot));
				try {
					sandboxKindUsed = sandbox.kind();
					serverVersion = sandbox.serverVersion();
					sandbox.createDatabase("verify");
					ConnectionSpec target = sandbox.connection("verify");
					this.beforeRestore.accept(target);
					RestoreResult[] restored = new RestoreResult[1];
					RedoubtException failure = timed(phases, "restore", () -> {
						try {
							restored[0] = new RestoreEngine(regional, this.clock)
								.restoreFull(RestoreRequest.full(source)
									.backup(id)
									.target(target)
									.jobs(settings.jobs())
									.forVerification()
									.build());
							return null;
						}
						catch (RedoubtException ex) {
							if (!judgedByChecks(ex)) {
								throw ex;
							}
							log.warn("verify: the restore of backup {} from region {} failed: {}", id, regionName,
									ex.getMessage());
							return ex;
						}
					});
					restoreDuration = phases.get(phases.size() - 1).duration();
					results.add(result(ChunkIntegrityCheck.ID, ChunkIntegrityCheck.TITLE,
							ChunkIntegrityCheck.judge(manifest, regionName, failure), null));
					results.add(result(SchemaRestoreCheck.ID, SchemaRestoreCheck.TITLE,
							SchemaRestoreCheck.judge(restored[0], failure), null));
					if (failure != null) {
						skipRest(results, CHECKS.get(0).id(), "the restore did not complete");
					}
					else {
						this.afterRestore.accept(target);
						VerificationContext context = new VerificationContext(manifest, target, restored[0], settings,
								PgTools.find("psql", major));
						timed(phases, "checks", () -> {
							runChecks(context, results);
							return null;
						});
					}
				}
				finally {
					timed(phases, "sandbox teardown", () -> {
						sandbox.close();
						return null;
					});
				}
			}
		}
		VerificationReport report = new VerificationReport(source, id.value(), regionName, started,
				this.clock.instant(), sandboxKindUsed, serverVersion, restoreDuration, List.copyOf(phases),
				List.copyOf(results), (manifest != null) ? manifest.schemaVersion() : null,
				(manifest != null) ? manifest.snapshot().time() : null);
		String key = this.repository.writeVerification(report.toRecord());
		log.info("verification of backup {} ({}): {}; record {}", id, regionName,
				report.verified() ? "verified" : report.failures().size() + " check(s) failed", key);
		return report;
	}

	/**
	 * Damage the checks are there to report: a bad chunk, a schema or load error.
	 * Anything else (a region or the sandbox unreachable) means the verification could
	 * not run.
	 */
	private static boolean judgedByChecks(RedoubtException ex) {
		return ex.code() == ErrorCode.CORRUPT_OBJECT || ex.code() == ErrorCode.RESTORE_INCOMPLETE
				|| ex.code() == ErrorCode.PG_TOOL_FAILED || ex.code() == ErrorCode.WRONG_KEY;
	}

	private void runChecks(VerificationContext context, List<CheckResult> results) {
		for (VerificationCheck check : CHECKS) {
			Instant start = this.clock.instant();
			Outcome outcome;
			try {
				outcome = check.run(context);
			}
			catch (Exception ex) {
				outcome = Outcome.fail("the check could not complete: " + ex.getMessage());
			}
			Duration took = Duration.between(start, this.clock.instant());
			results.add(new CheckResult(check.id(), check.title(),
					outcome.passed() ? CheckStatus.PASSED : CheckStatus.FAILED, outcome.detail(), took));
			log.info("verify: {} {} in {} ms: {}", check.id(), outcome.passed() ? "passed" : "FAILED", took.toMillis(),
					outcome.detail());
		}
	}

	private static void skipRest(List<CheckResult> results, String fromId, String why) {
		List<String[]> all = new ArrayList<>();
		all.add(new String[] { ChunkIntegrityCheck.ID, ChunkIntegrityCheck.TITLE });
		all.add(new String[] { SchemaRestoreCheck.ID, SchemaRestoreCheck.TITLE });
		CHECKS.forEach((c) -> all.add(new String[] { c.id(), c.title() }));
		boolean skipping = false;
		for (String[] check : all) {
			skipping |= check[0].equals(fromId);
			if (skipping) {
				results.add(new CheckResult(check[0], check[1], CheckStatus.SKIPPED, "not run: " + why, Duration.ZERO));
			}
		}
	}

	private static CheckResult result(String id, String title, Outcome outcome, List<VerificationReport.Phase> phases) {
		Duration took = (phases != null) ? phases.get(phases.size() - 1).duration() : Duration.ZERO;
		return new CheckResult(id, title, outcome.passed() ? CheckStatus.PASSED : CheckStatus.FAILED, outcome.detail(),
				took);
	}

	private <T> T timed(List<VerificationReport.Phase> phases, String name, Supplier<T> step) {
		Instant start = this.clock.instant();
		try {
			return step.get();
		}
		finally {
			phases.add(new VerificationReport.Phase(name, Duration.between(start, this.clock.instant())));
		}
	}

}
