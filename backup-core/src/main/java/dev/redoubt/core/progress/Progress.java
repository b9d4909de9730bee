package dev.redoubt.core.progress;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of long work counted in chunks, bytes and rows. On a terminal it redraws one
 * bar on standard error (at most ten times a second); in a pipe or a log it writes a
 * plain line at most every five seconds and at the end, so a redirected log stays
 * readable.
 */
public final class Progress {

	private static final Logger log = LoggerFactory.getLogger(Progress.class);

	private static final int WIDTH = 30;

	private final String what;

	private final long totalChunks;

	private final long totalBytes;

	private final PrintStream terminal;

	private final LongSupplier nanoTime;

	private final long redrawNanos;

	private long chunks;

	private long bytes;

	private long rows;

	private long drawnAt;

	private boolean drawn;

	Progress(String what, long totalChunks, long totalBytes, PrintStream terminal, LongSupplier nanoTime) {
		this.what = what;
		this.totalChunks = totalChunks;
		this.totalBytes = totalBytes;
		this.terminal = terminal;
		this.nanoTime = nanoTime;
		this.redrawNanos = (terminal != null) ? 100_000_000L : 5_000_000_000L;
		this.drawnAt = nanoTime.getAsLong();
	}

	/** A bar on a terminal (when the process has one), log lines otherwise. */
	public static Progress start(String what, long totalChunks, long totalBytes) {
		return new Progress(what, totalChunks, totalBytes, (System.console() != null) ? System.err : null,
				System::nanoTime);
	}

	/** Progress that shows nothing. */
	public static Progress silent() {
		return new Progress("", 0, 0, null, () -> 0);
	}

	public synchronized void advance(long chunks, long bytes, long rows) {
		this.chunks += chunks;
		this.bytes += bytes;
		this.rows += rows;
		long now = this.nanoTime.getAsLong();
		if (now - this.drawnAt >= this.redrawNanos && this.chunks < this.totalChunks) {
			show();
			this.drawnAt = now;
		}
	}

	/** The last state, and on a terminal the end of the bar's line. */
	public synchronized void finish() {
		if (this.totalChunks == 0 && this.chunks == 0) {
			return;
		}
		show();
		if (this.terminal != null) {
			this.terminal.println();
			this.terminal.flush();
		}
	}

	/** What {@link #advance} has counted, as one line. */
	synchronized String line() {
		return String.format(Locale.ROOT, "%s: %d/%d chunks, %s/%s, %,d rows", this.what, this.chunks, this.totalChunks,
				bytes(this.bytes), bytes(this.totalBytes), this.rows);
	}

	/** The bar as drawn on a terminal. */
	synchronized String bar() {
		double done = (this.totalBytes > 0) ? Math.min(1.0, (double) this.bytes / this.totalBytes)
				: (this.totalChunks > 0) ? (double) this.chunks / this.totalChunks : 1.0;
		int filled = (int) Math.round(done * WIDTH);
		return String.format(Locale.ROOT, "\r[%s%s] %3d%% %s", "#".repeat(filled), " ".repeat(WIDTH - filled),
				Math.round(done * 100), line());
	}

	private void show() {
		if (this.what.isEmpty()) {
			return;
		}
		if (this.terminal != null) {
			this.terminal.print(bar());
			this.terminal.flush();
			this.drawn = true;
		}
		else {
			log.info(line());
		}
	}

	boolean drawn() {
		return this.drawn;
	}

	static String bytes(long bytes) {
		if (bytes < 1024 * 1024) {
			return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
		}
		if (bytes < 1024L * 1024 * 1024) {
			return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
		}
		return String.format(Locale.ROOT, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
	}

}
