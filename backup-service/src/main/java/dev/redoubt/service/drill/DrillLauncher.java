package dev.redoubt.service.drill;

import java.time.Clock;
import java.util.List;

import org.springframework.stereotype.Component;

import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.store.ObjectStore;
import dev.redoubt.restore.physical.RecoveryTarget;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.config.RedoubtProperties;
import dev.redoubt.verify.drill.Drill;
import dev.redoubt.verify.drill.DrillHistory;
import dev.redoubt.verify.drill.DrillRequest;

/**
 * Runs a source's scheduled drill as its {@code drill:} section says, declaring its
 * regions lost in turn: the one after the region the newest drill record lost (the
 * rotation lives in the repository, so it survives restarts and replicas).
 */
@Component
public class DrillLauncher {

	private final Fleet fleet;

	private final Clock clock;

	private final DrillMetrics metrics;

	public DrillLauncher(Fleet fleet, Clock clock, DrillMetrics metrics) {
		this.fleet = fleet;
		this.clock = clock;
		this.metrics = metrics;
	}

	public Drill.Run drill(String source) {
		RedoubtProperties.Drill settings = this.fleet.sourceProperties(source).drill();
		try (Repository repository = this.fleet.openRepository(source)) {
			List<String> inTurn = settings.loseRegions().isEmpty()
					? repository.store().regions().stream().map(ObjectStore::name).toList() : settings.loseRegions();
			String lose = DrillHistory.nextRegion(DrillHistory.read(repository, source), inTurn);
			DrillRequest request = new DrillRequest(source,
					DrillRequest.Type.parse((settings.type() != null) ? settings.type() : "physical"), lose,
					RecoveryTarget.latest(), settings.rto(), settings.rpo(), this.fleet.sandboxKind(source, null),
					this.fleet.sandboxRoot(), this.fleet.verifySettings(source, null), this.fleet.source(source), null,
					Boolean.TRUE.equals(settings.canary()));
			Drill.Run run = new Drill(repository, this.clock).run(request);
			this.metrics.drilled(source, run.report());
			return run;
		}
	}

}
