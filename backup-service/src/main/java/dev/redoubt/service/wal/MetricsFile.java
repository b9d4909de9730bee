package dev.redoubt.service.wal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The meters of a long-lived WAL process ({@code wal-archiver}, {@code wal-stream}): a
 * Prometheus registry whose text is written, atomically, to a file (the node exporter's
 * textfile collector reads such files).
 */
final class MetricsFile {

	private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

	private final Path file;

	/**
	 * @param file where to write; {@code null} keeps the meters in memory only
	 */
	MetricsFile(Path file) {
		this.file = file;
	}

	PrometheusMeterRegistry registry() {
		return this.registry;
	}

	/** The registry's text, as {@code /metrics} would serve it. */
	String scrape() {
		return this.registry.scrape();
	}

	/** Writes the file; best effort, the work goes on if it cannot be written. */
	void publish() {
		if (this.file == null) {
			return;
		}
		Path temp = this.file.resolveSibling("." + this.file.getFileName() + ".tmp");
		try {
			Files.writeString(temp, scrape());
			Files.move(temp, this.file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		}
		catch (IOException ex) {
			// metrics are best effort
		}
	}

}
