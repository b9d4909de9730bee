package dev.redoubt.core.progress;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressTest {

	@Test
	void aTerminalGetsOneRedrawnBarAtMostTenTimesASecond() {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		AtomicLong now = new AtomicLong();
		Progress progress = new Progress("restore", 4, 4096, new PrintStream(out, true, StandardCharsets.UTF_8),
				now::get);

		progress.advance(1, 1024, 10);
		now.addAndGet(50_000_000L);
		progress.advance(1, 1024, 10);
		assertThat(out.size()).as("no redraw within 100 ms").isZero();
		now.addAndGet(60_000_000L);
		progress.advance(1, 1024, 10);
		String drawn = out.toString(StandardCharsets.UTF_8);
		assertThat(drawn).startsWith("\r[").contains(" 75% restore: 3/4 chunks, 3.0 KiB/4.0 KiB, 30 rows");
		assertThat(drawn).doesNotContain("\n");

		progress.advance(1, 1024, 10);
		progress.finish();
		assertThat(out.toString(StandardCharsets.UTF_8))
			.endsWith("100% restore: 4/4 chunks, 4.0 KiB/4.0 KiB, 40 rows" + System.lineSeparator());
	}

	@Test
	void aPipeGetsPlainLinesWithoutCarriageReturns() {
		AtomicLong now = new AtomicLong();
		Progress progress = new Progress("restore", 2, 3L * 1024 * 1024, null, now::get);
		progress.advance(1, 1024 * 1024, 1_000_000);
		assertThat(progress.line()).isEqualTo("restore: 1/2 chunks, 1.0 MiB/3.0 MiB, 1,000,000 rows");
		assertThat(progress.drawn()).isFalse();
	}

	@Test
	void byteSizesReadLikeDf() {
		assertThat(Progress.bytes(512)).isEqualTo("0.5 KiB");
		assertThat(Progress.bytes(5L * 1024 * 1024 * 1024)).isEqualTo("5.00 GiB");
	}

}
