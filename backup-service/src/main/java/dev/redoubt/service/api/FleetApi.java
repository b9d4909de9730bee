package dev.redoubt.service.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.service.catalog.Catalog;
import dev.redoubt.service.catalog.CatalogEntries;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.config.RedoubtProperties;
import dev.redoubt.service.schedule.JobType;
import dev.redoubt.service.schedule.ServeState;

/**
 * Sources, their backups, verifications and WAL as the catalog holds them, their DR
 * drills as the repository records them, and triggers for a backup, a verification or a
 * drill now. Restores are not offered here: they stay with the CLI, whose guards (a new
 * table by default, explicit conflict modes, dry runs) an HTTP call would bypass.
 */
@RestController
@RequestMapping("/api/sources")
@ConditionalOnWebApplication
@Tag(name = "sources", description = "Configured sources and what the repository holds for them")
public class FleetApi {

	private final Fleet fleet;

	private final Catalog catalog;

	private final ServeState state;

	public FleetApi(Fleet fleet, Catalog catalog, ServeState state) {
		this.fleet = fleet;
		this.catalog = catalog;
		this.state = state;
	}

	@GetMapping
	@Operation(summary = "Every source: its database, regions, schedules, next fires and newest backups")
	public List<Map<String, Object>> sources() {
		List<Map<String, Object>> sources = new ArrayList<>();
		this.fleet.sources().forEach((name, source) -> sources.add(describe(name, source)));
		return sources;
	}

	@GetMapping("/{source}")
	@Operation(summary = "One source")
	public Map<String, Object> source(@PathVariable String source) {
		return describe(source, known(source));
	}

	@GetMapping("/{source}/backups")
	@Operation(summary = "The source's restorable backups, newest first, each with its newest verification")
	public List<Map<String, Object>> backups(@PathVariable String source) {
		known(source);
		CatalogEntries entries = this.catalog.read(source);
		List<Map<String, Object>> backups = new ArrayList<>();
		for (CatalogEntries.Backup backup : entries.backups()) {
			Map<String, Object> document = new LinkedHashMap<>();
			document.put("id", backup.id());
			document.put("type", backup.type());
			document.put("status", backup.status());
			document.put("startedAt", backup.startedAt().toString());
			document.put("completedAt", backup.completedAt().toString());
			document.put("durationSeconds", backup.durationMillis() / 1000.0);
			document.put("storedBytes", backup.storedBytes());
			if (backup.rows() >= 0) {
				document.put("rows", backup.rows());
			}
			document.put("verification", entries.newestVerification(backup.id()).map(FleetApi::describe).orElse(null));
			backups.add(document);
		}
		return backups;
	}

	@GetMapping("/{source}/verifications")
	@Operation(summary = "Every verification record of the source's backups")
	public List<Map<String, Object>> verifications(@PathVariable String source) {
		known(source);
		return this.catalog.read(source).verifications().stream().map(FleetApi::describe).toList();
	}

	@GetMapping("/{source}/wal")
	@Operation(summary = "The source's archived WAL, one window per timeline")
	public List<CatalogEntries.WalWindow> wal(@PathVariable String source) {
		known(source);
		return this.catalog.read(source).wal();
	}

	@PostMapping("/{source}/backups")
	@ResponseStatus(HttpStatus.ACCEPTED)
	@Operation(summary = "Takes a backup now (logical by default, or base), then verifies it (write role)")
	public Map<String, Object> backup(@PathVariable String source,
			@RequestParam(defaultValue = "logical") String type) {
		known(source);
		JobType job = switch (type) {
			case "logical" -> JobType.LOGICAL_BACKUP;
			case "base" -> JobType.BASE_BACKUP;
			default -> throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"type must be logical or base, not '" + type + "'");
		};
		return trigger(job, source);
	}

	@PostMapping("/{source}/verifications")
	@ResponseStatus(HttpStatus.ACCEPTED)
	@Operation(summary = "Verifies the source's newest backup now (write role)")
	public Map<String, Object> verify(@PathVariable String source) {
		known(source);
		return trigger(JobType.VERIFY, source);
	}

	@GetMapping("/{source}/drills")
	@Operation(summary = "The source's DR drills, oldest first, from their signed records in every region")
	public List<dev.redoubt.verify.drill.DrillReport> drills(@PathVariable String source) {
		known(source);
		try (dev.redoubt.core.repository.Repository repository = this.fleet.openRepository(source)) {
			return dev.redoubt.verify.drill.DrillHistory.read(repository, source);
		}
	}

	@PostMapping("/{source}/drills")
	@ResponseStatus(HttpStatus.ACCEPTED)
	@Operation(summary = "Runs the source's DR drill now, as its drill section says (write role)")
	public Map<String, Object> drill(@PathVariable String source) {
		known(source);
		return trigger(JobType.DRILL, source);
	}

	private Map<String, Object> trigger(JobType job, String source) {
		this.state.scheduler().triggerNow(job, source);
		Map<String, Object> document = new LinkedHashMap<>();
		document.put("source", source);
		document.put("job", job.label());
		document.put("state", "triggered");
		return document;
	}

	private RedoubtProperties.Source known(String source) {
		RedoubtProperties.Source properties = this.fleet.sources().get(source);
		if (properties == null) {
			throw new RedoubtException(ErrorCode.UNKNOWN_SOURCE, "no source named '" + source + "' is configured");
		}
		return properties;
	}

	private Map<String, Object> describe(String name, RedoubtProperties.Source source) {
		Map<String, Object> document = new LinkedHashMap<>();
		document.put("name", name);
		document.put("database",
				new dev.redoubt.core.pg.ConnectionSpec(source.url(), source.username(), null).display());
		document.put("regions",
				source.regions().isEmpty()
						? this.fleet.properties().repositories().stream().map(RedoubtProperties.Region::name).toList()
						: source.regions());
		document.put("schedules", JobType.schedules(source));
		document.put("nextFires", this.state.running() ? this.state.scheduler().nextFires(name) : Map.of());
		CatalogEntries entries = this.catalog.read(name);
		Map<String, Object> newest = new LinkedHashMap<>();
		for (CatalogEntries.Backup backup : entries.backups()) {
			newest.putIfAbsent(backup.type(),
					Map.of("id", backup.id(), "completedAt", backup.completedAt().toString()));
		}
		document.put("newestBackups", newest);
		return document;
	}

	private static Map<String, Object> describe(CatalogEntries.Verification verification) {
		Map<String, Object> document = new LinkedHashMap<>();
		document.put("backupId", verification.backupId());
		document.put("region", verification.region());
		document.put("finishedAt", verification.finishedAt().toString());
		document.put("verified", verification.verified());
		document.put("restoreSeconds", verification.restoreSeconds());
		document.put("failedChecks", verification.failedChecks());
		return document;
	}

}
