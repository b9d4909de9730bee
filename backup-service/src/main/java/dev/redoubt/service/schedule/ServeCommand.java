package dev.redoubt.service.schedule;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;

import picocli.CommandLine.Command;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.service.catalog.Catalog;
import dev.redoubt.service.catalog.CatalogStore;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.config.RedoubtProperties;

/**
 * {@code redoubt serve}: the long-lived service. Validates the whole configuration (every
 * problem reported at once), creates the metadata tables it lacks, joins the Quartz
 * cluster and runs the sources' schedules until stopped, with the REST API and Actuator
 * on {@code server.port}.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
		description = { "Runs the service: every source's schedules (backups, verification, repo-check, retention) "
				+ "in a Quartz cluster shared with the other replicas through the metadata database, the REST API "
				+ "(/api, OpenAPI at /v3/api-docs) and Actuator (/actuator/health, /actuator/prometheus) on "
				+ "server.port (default 8080). Runs until stopped (SIGTERM)." })
public class ServeCommand implements Callable<Integer> {

	private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

	private final Fleet fleet;

	private final DataSource dataSource;

	private final Environment environment;

	private final JobRunner runner;

	private final CatalogStore catalogStore;

	private final Catalog catalog;

	private final FireFence fence;

	private final FleetMetrics metrics;

	private final ServeState state;

	private final dev.redoubt.service.drill.DrillMetrics drillMetrics;

	public ServeCommand(Fleet fleet, DataSource dataSource, Environment environment, JobRunner runner,
			CatalogStore catalogStore, Catalog catalog, FireFence fence, FleetMetrics metrics, ServeState state,
			dev.redoubt.service.drill.DrillMetrics drillMetrics) {
		this.fleet = fleet;
		this.dataSource = dataSource;
		this.environment = environment;
		this.runner = runner;
		this.catalogStore = catalogStore;
		this.catalog = catalog;
		this.fence = fence;
		this.metrics = metrics;
		this.state = state;
		this.drillMetrics = drillMetrics;
	}

	@Override
	public Integer call() {
		List<String> problems = this.fleet.serviceProblems();
		if (!problems.isEmpty()) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"the configuration has " + problems.size() + " problem(s):\n  " + String.join("\n  ", problems),
					"see docs/configuration.md", null);
		}
		this.catalogStore.createSchema();
		this.fence.createSchema();
		Map<String, RedoubtProperties.Source> sources = this.fleet.sources();
		this.metrics.register(sources);
		this.drillMetrics.register(sources);
		for (String source : sources.keySet()) {
			this.metrics.catalogued(this.catalog.read(source));
		}
		String url = this.environment.getProperty("spring.datasource.url", "");
		FleetScheduler scheduler = FleetScheduler.create(this.dataSource, url, this.fleet.properties().service(),
				this.runner);
		scheduler.synchronize(sources);
		this.state.started(scheduler);
		scheduler.start();
		log.info("redoubt serve: replica {}, {} source(s) {}, API on port {}", scheduler.instanceId(), sources.size(),
				sources.keySet(), this.environment.getProperty("local.server.port"));
		// the application then runs until the JVM is stopped; the context's shutdown
		// stops the scheduler
		return 0;
	}

}
