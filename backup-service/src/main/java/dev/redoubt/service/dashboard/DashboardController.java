package dev.redoubt.service.dashboard;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.repository.VerificationRecord;
import dev.redoubt.service.api.ApiSecurity;
import dev.redoubt.service.catalog.Catalog;
import dev.redoubt.service.catalog.CatalogEntries;
import dev.redoubt.service.checkpoint.Checkpoint;
import dev.redoubt.service.checkpoint.Checkpoints;
import dev.redoubt.service.cli.Output;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.retention.Retention;
import dev.redoubt.service.schedule.JobType;
import dev.redoubt.service.schedule.ServeState;
import dev.redoubt.verify.drill.DrillHistory;
import dev.redoubt.verify.drill.DrillReport;

/**
 * The dashboard's pages: the fleet ({@code /}), a source, a backup, and for the write
 * role a backup, verification or drill now, each after a confirmation page. Every page is
 * rendered on the server; the triggers are forms (CSRF-protected), not scripts.
 */
@Controller
@ConditionalOnWebApplication
public class DashboardController {

	private static final Logger log = LoggerFactory.getLogger(DashboardController.class);

	/** The fleet table's sortable columns: heading by sort key. */
	private static final Map<String, String> COLUMNS = java.util.Arrays.stream(FleetView.Sort.values())
		.collect(java.util.stream.Collectors.toMap(FleetView.Sort::key, FleetView.Sort::label, (a, b) -> a,
				LinkedHashMap::new));

	/** Job runs a source page lists. */
	static final int RECENT_RUNS = 15;

	private final Fleet fleet;

	private final FleetView view;

	private final Catalog catalog;

	private final ServeState state;

	private final RecentRuns runs;

	private final Clock clock;

	public DashboardController(Fleet fleet, FleetView view, Catalog catalog, ServeState state, RecentRuns runs,
			Clock clock) {
		this.fleet = fleet;
		this.view = view;
		this.catalog = catalog;
		this.state = state;
		this.runs = runs;
		this.clock = clock;
	}

	@GetMapping("/login")
	public String login(Model model) {
		model.addAttribute("format", new Format(this.clock.instant()));
		return "login";
	}

	@GetMapping("/")
	public String fleet(@RequestParam(required = false) String q, @RequestParam(required = false) String health,
			@RequestParam(required = false) String sort, @RequestParam(defaultValue = "false") boolean desc,
			Model model, Authentication user) {
		List<SourceStatus> all = this.view.all();
		Map<String, Long> counts = new LinkedHashMap<>();
		for (Health each : Health.values()) {
			counts.put(each.label(), all.stream().filter((s) -> s.health() == each).count());
		}
		common(model, user);
		model.addAttribute("rows", FleetView.page(all, q, health, sort, desc));
		model.addAttribute("total", all.size());
		model.addAttribute("counts", counts);
		model.addAttribute("q", (q == null) ? "" : q);
		model.addAttribute("health", (health == null) ? "" : health);
		model.addAttribute("sort", FleetView.Sort.parse(sort).key());
		model.addAttribute("desc", desc);
		model.addAttribute("columns", COLUMNS);
		return "fleet";
	}

	/** A backup with the newest verification of it, if any. */
	public record BackupRow(CatalogEntries.Backup backup, CatalogEntries.Verification verification) {
	}

	@GetMapping("/sources/{source}")
	public String source(@PathVariable String source, Model model, Authentication user) {
		known(source);
		CatalogEntries entries = this.catalog.read(source);
		SourceStatus status = this.view.one(source, entries);
		common(model, user);
		model.addAttribute("status", status);
		model.addAttribute("backups",
				entries.backups()
					.stream()
					.map((b) -> new BackupRow(b, entries.newestVerification(b.id()).orElse(null)))
					.toList());
		model.addAttribute("wal", entries.wal());
		model.addAttribute("schedules", JobType.schedules(this.fleet.sources().get(source)));
		model.addAttribute("nextFires", this.state.running() ? this.state.scheduler().nextFires(source) : Map.of());
		List<String> problems = new ArrayList<>();
		try (Repository repository = this.fleet.openRepository(source)) {
			List<DrillReport> drills = new ArrayList<>(
					read(problems, "drills", List.of(), () -> DrillHistory.read(repository, source)));
			model.addAttribute("rtoChart",
					TrendChart.svg("RTO", drills.stream()
						.map((d) -> new TrendChart.Point(d.disasterAt(), d.rto().seconds(), d.rto().targetSeconds()))
						.toList()));
			model.addAttribute("rpoChart",
					TrendChart.svg("RPO", drills.stream()
						.map((d) -> new TrendChart.Point(d.disasterAt(), d.rpo().seconds(), d.rpo().targetSeconds()))
						.toList()));
			java.util.Collections.reverse(drills);
			model.addAttribute("drills", drills);
			model.addAttribute("checkpoints",
					read(problems, "checkpoints", List.<Checkpoint>of(), () -> Checkpoints.list(repository, source)));
			model.addAttribute("retention",
					read(problems, "retention", null,
							() -> new Retention(repository, this.clock, this.fleet.retentionGrace(source)).run(source,
									this.fleet.retentionPolicy(source), true)));
		}
		model.addAttribute("runs",
				read(problems, "job runs", List.<RecentRuns.Run>of(), () -> this.runs.of(source, RECENT_RUNS)));
		model.addAttribute("problems", problems);
		return "source";
	}

	@GetMapping("/sources/{source}/backups/{id}")
	public String backup(@PathVariable String source, @PathVariable String id, Model model, Authentication user) {
		known(source);
		CatalogEntries entries = this.catalog.read(source);
		CatalogEntries.Backup backup = entries.backups()
			.stream()
			.filter((b) -> b.id().equals(id))
			.findFirst()
			.orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND,
					"source " + source + " has no backup " + id + " in the catalog"));
		common(model, user);
		model.addAttribute("source", source);
		model.addAttribute("backup", backup);
		List<String> problems = new ArrayList<>();
		try (Repository repository = this.fleet.openRepository(source)) {
			BackupId backupId = BackupId.parse(id);
			model.addAttribute("manifest", read(problems, "manifest", Map.<String, String>of(),
					() -> summary(repository, source, backupId, backup.type())));
			model.addAttribute("verifications", read(problems, "verifications", List.<VerificationRecord>of(),
					() -> repository.verifications(source, backupId)));
			model.addAttribute("drills",
					read(problems, "drills", List.<DrillReport>of(),
							() -> DrillHistory.read(repository, source)
								.stream()
								.filter((d) -> d.recovered() != null && id.equals(d.recovered().backupId()))
								.toList()));
		}
		model.addAttribute("problems", problems);
		return "backup";
	}

	@GetMapping("/sources/{source}/run")
	public String confirm(@PathVariable String source, @RequestParam String job, Model model, Authentication user) {
		known(source);
		JobType type = job(job);
		common(model, user);
		model.addAttribute("source", source);
		model.addAttribute("job", job);
		model.addAttribute("what", describe(type));
		return "confirm";
	}

	@PostMapping("/sources/{source}/run")
	public String run(@PathVariable String source, @RequestParam String job, RedirectAttributes redirect,
			Authentication user) {
		known(source);
		JobType type = job(job);
		try {
			this.state.scheduler().triggerNow(type, source);
			log.info("{} triggered {} of source {} from the dashboard", user.getName(), type.label(), source);
			redirect.addFlashAttribute("message",
					describe(type) + " of " + source + " triggered; it shows below " + "once it has run");
		}
		catch (RedoubtException | IllegalStateException ex) {
			redirect.addFlashAttribute("error", "cannot trigger " + type.label() + ": " + ex.getMessage());
		}
		redirect.addAttribute("source", source);
		return "redirect:/sources/{source}";
	}

	private void common(Model model, Authentication user) {
		model.addAttribute("format", new Format(this.clock.instant()));
		model.addAttribute("user", (user == null) ? null : user.getName());
		model.addAttribute("canWrite",
				user != null && user.getAuthorities()
					.stream()
					.anyMatch((authority) -> ("ROLE_" + ApiSecurity.WRITE).equals(authority.getAuthority())));
	}

	private void known(String source) {
		if (!this.fleet.sources().containsKey(source)) {
			throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no source named " + source + " is configured");
		}
	}

	private static JobType job(String job) {
		return switch (job) {
			case "backup" -> JobType.LOGICAL_BACKUP;
			case "base-backup" -> JobType.BASE_BACKUP;
			case "verify" -> JobType.VERIFY;
			case "drill" -> JobType.DRILL;
			default -> throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
					"job must be backup, base-backup, verify or drill");
		};
	}

	private static String describe(JobType type) {
		return switch (type) {
			case LOGICAL_BACKUP -> "a logical backup now, then its verification";
			case BASE_BACKUP -> "a base backup now, then its verification";
			case VERIFY -> "a verification of the newest backup now";
			case DRILL -> "a DR drill now, as the source's drill section says";
			default -> type.label();
		};
	}

	/** What the manifest says of a backup, as label and value. */
	private static Map<String, String> summary(Repository repository, String source, BackupId id, String type) {
		Map<String, String> summary = new LinkedHashMap<>();
		if ("base".equals(type)) {
			BaseBackupManifest manifest = repository.readManifest(source, id, BaseBackupManifest.class);
			summary.put("format version", String.valueOf(manifest.formatVersion()));
			summary.put("PostgreSQL", manifest.source().serverVersion());
			summary.put("system identifier", manifest.source().systemIdentifier());
			summary.put("timeline", String.valueOf(manifest.timeline()));
			summary.put("WAL from", manifest.startLsn());
			summary.put("WAL to", manifest.stopLsn());
			summary.put("tar stream", Output.bytes(manifest.tarBytes()));
			summary.put("chunks", String.valueOf(manifest.chunks().size()));
			summary.put("databases",
					(manifest.databases() == null) ? "—" : String.valueOf(manifest.databases().size()));
			return summary;
		}
		Manifest manifest = repository.readManifest(source, id);
		summary.put("format version", String.valueOf(manifest.formatVersion()));
		summary.put("PostgreSQL", manifest.source().serverVersion());
		summary.put("database", manifest.source().database());
		summary.put("tables", String.valueOf(manifest.tables().size()));
		summary.put("rows", String.valueOf(manifest.tables().stream().mapToLong((t) -> t.rows()).sum()));
		summary.put("sequences", String.valueOf(manifest.sequences().size()));
		summary.put("chunks", String.valueOf(manifest.allChunks().size()));
		summary.put("schema version", (manifest.schemaVersion() == null) ? "—"
				: manifest.schemaVersion().version() + " (" + manifest.schemaVersion().tool() + ")");
		return summary;
	}

	/** A part of a page read from the repository; a failure is named, not a 500. */
	private static <T> T read(List<String> problems, String what, T otherwise, java.util.function.Supplier<T> reader) {
		try {
			return reader.get();
		}
		catch (RuntimeException ex) {
			log.warn("dashboard: cannot read the {}: {}", what, ex.getMessage());
			problems.add("cannot read the " + what + ": " + ex.getMessage());
			return otherwise;
		}
	}

}
