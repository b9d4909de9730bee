package dev.redoubt.restore.mask;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import dev.redoubt.core.manifest.TableEntry;

/**
 * A policy bound to the tables of one restore: for each table with a masked column, a
 * transform per column in {@code COPY} order ({@code null}: kept). {@link #mask} rewrites
 * a chunk's rows (COPY text format) on their way into {@code COPY FROM}.
 */
public final class MaskPlan {

	private final Map<String, List<UnaryOperator<String>>> masks;

	private final Map<String, List<String>> masked;

	private final java.util.concurrent.atomic.LongAdder unchanged;

	MaskPlan(Map<String, List<UnaryOperator<String>>> masks, Map<String, List<String>> masked,
			java.util.concurrent.atomic.LongAdder unchanged) {
		this.masks = Map.copyOf(masks);
		this.masked = Map.copyOf(masked);
		this.unchanged = (unchanged != null) ? unchanged : new java.util.concurrent.atomic.LongAdder();
	}

	/** The masked columns (unquoted names) of each table (quoted qualified name). */
	public Map<String, List<String>> maskedColumns() {
		return this.masked;
	}

	/** The rows of {@code table}, masked; the same stream if nothing of it is masked. */
	public InputStream mask(TableEntry table, InputStream rows) {
		List<UnaryOperator<String>> row = this.masks.get(table.qualifiedName());
		return (row == null) ? rows : new Rows(new BufferedInputStream(rows, 1 << 16), row, this.unchanged);
	}

	/** A COPY text stream, rewritten row by row. */
	static final class Rows extends InputStream {

		private final InputStream in;

		private final List<UnaryOperator<String>> masks;

		private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

		private byte[] out = new byte[0];

		private int at;

		private boolean ended;

		private final java.util.concurrent.atomic.LongAdder unchanged;

		Rows(InputStream in, List<UnaryOperator<String>> masks, java.util.concurrent.atomic.LongAdder unchanged) {
			this.in = in;
			this.masks = masks;
			this.unchanged = unchanged;
		}

		@Override
		public int read() throws IOException {
			if (!fill()) {
				return -1;
			}
			return this.out[this.at++] & 0xFF;
		}

		@Override
		public int read(byte[] bytes, int offset, int length) throws IOException {
			if (length == 0) {
				return 0;
			}
			if (!fill()) {
				return -1;
			}
			int n = Math.min(length, this.out.length - this.at);
			System.arraycopy(this.out, this.at, bytes, offset, n);
			this.at += n;
			return n;
		}

		private boolean fill() throws IOException {
			while (this.at >= this.out.length) {
				if (this.ended) {
					return false;
				}
				this.line.reset();
				int b;
				while ((b = this.in.read()) != -1 && b != '\n') {
					this.line.write(b);
				}
				if (b == -1) {
					this.ended = true;
					if (this.line.size() == 0) {
						return false;
					}
				}
				this.out = rewrite(this.line.toString(StandardCharsets.UTF_8), b != -1)
					.getBytes(StandardCharsets.UTF_8);
				this.at = 0;
			}
			return true;
		}

		private String rewrite(String row, boolean newline) {
			String[] fields = row.split("\t", -1);
			if (fields.length != this.masks.size()) {
				throw new IllegalStateException(
						"a row of " + fields.length + " fields where the table has " + this.masks.size() + " columns");
			}
			for (int i = 0; i < fields.length; i++) {
				UnaryOperator<String> mask = this.masks.get(i);
				if (mask != null && !fields[i].equals("\\N")) {
					String original = unescape(fields[i]);
					String masked = mask.apply(original);
					// an empty value reveals nothing; a constant hides any value
					if (original.equals(masked) && !original.isEmpty() && !(mask instanceof Transform.Constant)) {
						this.unchanged.increment();
					}
					fields[i] = (masked == null) ? "\\N" : escape(masked);
				}
			}
			return String.join("\t", fields) + (newline ? "\n" : "");
		}

	}

	/** A field of COPY's text format as its value. */
	static String unescape(String field) {
		if (field.indexOf('\\') < 0) {
			return field;
		}
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(field.length());
		byte[] in = field.getBytes(StandardCharsets.UTF_8);
		for (int i = 0; i < in.length; i++) {
			byte c = in[i];
			if (c != '\\' || i + 1 >= in.length) {
				bytes.write(c);
				continue;
			}
			byte next = in[++i];
			switch (next) {
				case 'b' -> bytes.write('\b');
				case 'f' -> bytes.write('\f');
				case 'n' -> bytes.write('\n');
				case 'r' -> bytes.write('\r');
				case 't' -> bytes.write('\t');
				case 'v' -> bytes.write(0x0B);
				case 'x' -> {
					int value = 0;
					int digits = 0;
					while (digits < 2 && i + 1 < in.length && Character.digit(in[i + 1], 16) >= 0) {
						value = value * 16 + Character.digit(in[++i], 16);
						digits++;
					}
					bytes.write((digits == 0) ? 'x' : value);
				}
				default -> {
					if (next >= '0' && next <= '7') {
						int value = next - '0';
						for (int k = 0; k < 2 && i + 1 < in.length && in[i + 1] >= '0' && in[i + 1] <= '7'; k++) {
							value = value * 8 + (in[++i] - '0');
						}
						bytes.write(value);
					}
					else {
						bytes.write(next);
					}
				}
			}
		}
		return bytes.toString(StandardCharsets.UTF_8);
	}

	/** A value in COPY's text format. */
	static String escape(String value) {
		StringBuilder out = new StringBuilder(value.length() + 8);
		for (char c : value.toCharArray()) {
			switch (c) {
				case '\\' -> out.append("\\\\");
				case '\n' -> out.append("\\n");
				case '\r' -> out.append("\\r");
				case '\t' -> out.append("\\t");
				case '\b' -> out.append("\\b");
				case '\f' -> out.append("\\f");
				case 0x0B -> out.append("\\v");
				default -> out.append(c);
			}
		}
		return out.toString();
	}

}
