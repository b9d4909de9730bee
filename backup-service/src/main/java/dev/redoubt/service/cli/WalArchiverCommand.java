package dev.redoubt.service.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.core.wal.WalSpool;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.wal.ArchiveMetrics;
import dev.redoubt.service.wal.WalArchiver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code redoubt wal-archiver}: the long-lived process behind {@code wal-push --spool}.
 */
@Command(name = "wal-archiver", mixinStandardHelpOptions = true,
		description = { "Archive a cluster's WAL to every region, continuously, until stopped (SIGTERM).",
				"PostgreSQL's archive_command hands each file over through the spool: "
						+ "archive_command = 'redoubt wal-push --spool DIR %%p' returns 0 only once the file is "
						+ "durable in every region. With --data-dir (or from the first request on) the archiver "
						+ "also uploads ahead whatever PostgreSQL marked ready, --jobs at a time.",
				"Meters (redoubt_wal_archive_lag_seconds, ...) are written to DIR/metrics.prom every second." },
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class WalArchiverCommand implements Callable<Integer> {

	private static final Logger log = LoggerFactory.getLogger(WalArchiverCommand.class);

	@Option(names = "--source", required = true, paramLabel = "NAME", description = "Source the cluster belongs to.")
	String source;

	@Option(names = "--spool", required = true, paramLabel = "DIR",
			description = "Spool directory shared with wal-push; created if missing.")
	Path spool;

	@Option(names = "--data-dir", paramLabel = "PGDATA",
			description = "The cluster's data directory, to archive ahead from the start.")
	Path dataDirectory;

	@Option(names = "--jobs", paramLabel = "N", defaultValue = "4",
			description = "Files uploaded at the same time (default ${DEFAULT-VALUE}).")
	int jobs;

	private final Fleet fleet;

	public WalArchiverCommand(Fleet fleet) {
		this.fleet = fleet;
	}

	@Override
	public Integer call() throws InterruptedException, java.io.IOException {
		this.fleet.requireSource(this.source);
		WalSpool walSpool = new WalSpool(this.spool).create();
		try (Repository repository = this.fleet.openRepository(this.source)) {
			WalArchive.Writer writer = new WalArchive(repository, this.source)
				.writer(this.fleet.backupSettings(this.source).compressionLevel());
			WalArchiver archiver = new WalArchiver(writer, walSpool,
					(this.dataDirectory != null) ? this.dataDirectory.toAbsolutePath().resolve("pg_wal") : null,
					this.jobs, new ArchiveMetrics(this.source, walSpool.root().resolve("metrics.prom")));
			log.info("archiving WAL of source {} through spool {}", this.source, walSpool.root());
			try (UntilStopped life = new UntilStopped("redoubt-wal-archiver")) {
				archiver.run(life::running);
			}
			log.info("WAL archiver of source {} stopped", this.source);
			return 0;
		}
	}

}
