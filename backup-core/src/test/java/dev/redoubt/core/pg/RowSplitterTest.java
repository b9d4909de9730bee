package dev.redoubt.core.pg;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.redoubt.core.error.RedoubtException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RowSplitterTest {

	@Test
	void rowsSplitAcrossReadsAreWholeAndChunksEndOnRowBoundaries() throws IOException {
		StringBuilder text = new StringBuilder();
		for (int i = 0; i < 5000; i++) {
			text.append(i).append('\t').append("x".repeat(i % 97)).append('\n');
		}
		byte[] input = text.toString().getBytes(StandardCharsets.UTF_8);
		Recorder recorder = new Recorder(4096);
		// reads of 1000 bytes cut most rows in two
		new RowSplitter().split(new Trickle(input, 1000), recorder);
		recorder.cut();

		assertThat(recorder.rows).hasSize(5000);
		assertThat(recorder.rows.get(4321)).isEqualTo("4321\t" + "x".repeat(4321 % 97) + "\n");
		StringBuilder joined = new StringBuilder();
		for (String chunk : recorder.chunks) {
			assertThat(chunk).endsWith("\n");
			joined.append(chunk);
		}
		assertThat(joined.toString()).isEqualTo(text.toString());
		assertThat(recorder.chunks).hasSizeGreaterThan(10);
	}

	@Test
	void outputEndingInsideARowIsAnError() {
		byte[] input = "1\tcomplete\n2\tcut off".getBytes(StandardCharsets.UTF_8);
		assertThatThrownBy(() -> new RowSplitter().split(new ByteArrayInputStream(input), new Recorder(1 << 20)))
			.isInstanceOf(RedoubtException.class)
			.hasMessageContaining("ended inside a row");
	}

	@Test
	void newlineFoundAtEveryOffsetOfAWord() {
		for (int at = 0; at < 20; at++) {
			byte[] bytes = new byte[20];
			bytes[at] = '\n';
			assertThat(RowSplitter.indexOfNewline(bytes, 0, 20)).isEqualTo(at);
			assertThat(RowSplitter.indexOfNewline(bytes, at + 1, 20)).isEqualTo(-1);
		}
	}

	/** Records rows, and chunks as the bytes delivered in bulk between cuts. */
	private static final class Recorder implements RowSplitter.RowConsumer {

		private final int chunkBytes;

		final List<String> rows = new ArrayList<>();

		final List<String> chunks = new ArrayList<>();

		private final ByteArrayOutputStream current = new ByteArrayOutputStream();

		private int seen;

		Recorder(int chunkBytes) {
			this.chunkBytes = chunkBytes;
		}

		@Override
		public boolean row(byte[] bytes, int offset, int length) {
			this.rows.add(new String(bytes, offset, length, StandardCharsets.UTF_8));
			this.seen += length;
			return this.seen >= this.chunkBytes;
		}

		@Override
		public void rows(byte[] bytes, int offset, int length) {
			this.current.write(bytes, offset, length);
		}

		@Override
		public void cut() {
			assertThat(this.current.size()).isEqualTo(this.seen);
			this.chunks.add(this.current.toString(StandardCharsets.UTF_8));
			this.current.reset();
			this.seen = 0;
		}

	}

	/** Hands out at most {@code step} bytes per read. */
	private static final class Trickle extends InputStream {

		private final byte[] bytes;

		private final int step;

		private int position;

		Trickle(byte[] bytes, int step) {
			this.bytes = bytes;
			this.step = step;
		}

		@Override
		public int read() {
			return (this.position < this.bytes.length) ? this.bytes[this.position++] : -1;
		}

		@Override
		public int read(byte[] target, int offset, int length) {
			if (this.position == this.bytes.length) {
				return -1;
			}
			int n = Math.min(Math.min(length, this.step), this.bytes.length - this.position);
			System.arraycopy(this.bytes, this.position, target, offset, n);
			this.position += n;
			return n;
		}

	}

}
