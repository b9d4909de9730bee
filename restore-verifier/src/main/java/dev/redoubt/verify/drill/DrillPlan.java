package dev.redoubt.verify.drill;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;

import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.core.wal.WalNames;
import dev.redoubt.restore.physical.BaseBackups;
import dev.redoubt.restore.physical.RecoveryTarget;

/**
 * The projected recovery time of a physical drill, before anything is restored: what the
 * surviving regions would recover from (the newest base backup and the WAL after it), and
 * the time each phase would take at the throughput past passing drills of the source
 * measured.
 *
 * @param backupBytes the base backup's tar stream
 * @param walSegments WAL segments after the backup's start the surviving regions hold
 * @param drillsMeasured the past passing physical drills the rates come from
 * @param phases each phase's projected seconds (empty if no drill measured any)
 * @param projectedRtoSeconds their sum, or {@code null} without a past drill
 * @param rtoTargetSeconds the target, or {@code null}
 * @param withinTarget whether the projection meets it, or {@code null}
 */
public record DrillPlan(String source, String lostRegion, String backupId, Instant backupEndedAt, long backupBytes,
		int walSegments, int drillsMeasured, List<DrillReport.Phase> phases, Double projectedRtoSeconds,
		Double rtoTargetSeconds, Boolean withinTarget) {

	/**
	 * Plans a physical drill of {@code request} over the surviving {@code repository}.
	 */
	public static DrillPlan of(Repository surviving, DrillRequest request, String lostRegion,
			List<DrillReport> history) {
		BaseBackupManifest manifest = BaseBackups.choose(surviving, request.source(), null, RecoveryTarget.latest());
		String first = WalNames.segmentOf(manifest.timeline(), WalNames.parseLsn(manifest.startLsn()),
				manifest.walSegmentBytes());
		int segments = (int) new WalArchive(surviving, request.source()).list()
			.names()
			.stream()
			.filter((name) -> WalNames.isSegment(name) && name.substring(8).compareTo(first.substring(8)) >= 0)
			.count();
		List<DrillReport> measured = history.stream()
			.filter((drill) -> drill.verdict() == DrillVerdict.PASS && "physical".equals(drill.type())
					&& drill.recovered() != null && drill.recovered().backupBytes() != null
					&& drill.recovered().walFiles() != null && phase(drill, "fetch and unpack") > 0)
			.toList();
		List<DrillReport.Phase> phases = new ArrayList<>();
		if (!measured.isEmpty()) {
			double bytesPerSecond = mean(measured,
					(drill) -> drill.recovered().backupBytes() / phase(drill, "fetch and unpack"));
			double secondsPerSegment = mean(measured, (drill) -> phase(drill, "WAL fetch, replay and promote")
					/ Math.max(1, drill.recovered().walFiles()));
			phases
				.add(new DrillReport.Phase("choose the backup", mean(measured, (d) -> phase(d, "choose the backup"))));
			phases.add(new DrillReport.Phase("fetch and unpack", manifest.tarBytes() / bytesPerSecond));
			phases.add(new DrillReport.Phase("WAL fetch, replay and promote", segments * secondsPerSegment));
			phases.add(new DrillReport.Phase("checks", mean(measured, (d) -> phase(d, "checks"))));
		}
		Double projected = phases.isEmpty() ? null : phases.stream().mapToDouble(DrillReport.Phase::seconds).sum();
		Double target = (request.rto() == null) ? null : DrillReport.seconds(request.rto());
		return new DrillPlan(request.source(), lostRegion, manifest.backupId(), manifest.stopTime(),
				manifest.tarBytes(), segments, measured.size(), List.copyOf(phases), projected, target,
				(projected == null || target == null) ? null : projected <= target);
	}

	private static double phase(DrillReport drill, String name) {
		return drill.phases()
			.stream()
			.filter((p) -> p.name().equals(name))
			.mapToDouble(DrillReport.Phase::seconds)
			.findFirst()
			.orElse(0);
	}

	private static double mean(List<DrillReport> drills, ToDoubleFunction<DrillReport> value) {
		OptionalDouble mean = drills.stream().mapToDouble(value).average();
		return mean.orElse(0);
	}

}
