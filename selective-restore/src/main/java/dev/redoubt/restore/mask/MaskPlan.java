package dev.redoubt.restore.mask;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import dev.redoubt.core.manifest.TableEntry;
import java.util.concurrent.atomic.LongAdder;

/**
 * A policy bound to the tables of one restore: for each table with a masked column, a
 * transform per column in {@code COPY} order ({@code null}: kept). {@link #mask} rewrites
 * a chunk's rows (COPY text format) on their way into {@code COPY FROM}.
 */
public final class MaskPlan {

	private final Map<String, List<UnaryOperator<String>>> masks;

	private final Map<String, List<String>> masked;

	private final LongAdder unchanged;

	MaskPlan(Map<String, List<UnaryOperator<String>>> masks, Map<String, List<String>> masked, LongAdder unchanged) {
		this.masks = Map.copyOf(masks);
		this.masked = Map.copyOf(masked);
		this.unchanged = (unchanged != null) ? unchanged : new LongAdder();
	}

	/** The masked columns (unquoted names) of each table (quoted qualified name). */
	public Map<String, List<String>> maskedColumns() {
		return this.masked;
	}

	/** The rows of {@code table}, masked; the same stream if nothing of it is masked. */
	public InputStream mask(TableEntry table, InputStream rows) {
		List<UnaryOperator<String>> row = this.masks.get(table.qualifiedName());
		return (row == null) ? rows : new Rows(rows, row, this.unchanged);
	}

	/**
	 * A COPY text stream, rewritten row by row: read in blocks, each row split at its tab
	 * bytes, only the masked fields decoded, transformed and encoded again, the others
	 * copied as bytes. Each masked column keeps a bounded cache of the values it has seen
	 * (the transforms are functions of the value), which spares the HMAC for repeated
	 * values.
	 */
	static final class Rows extends InputStream {

		private static final int CACHE_ENTRIES = 8192;

		private final InputStream in;

		private final List<UnaryOperator<String>> masks;

		private final LongAdder unchanged;

		private final List<java.util.Map<String, String>> caches = new java.util.ArrayList<>();

		private byte[] buffer = new byte[1 << 16];

		private int start;

		private int limit;

		private boolean ended;

		private final Bytes out = new Bytes();

		private int at;

		Rows(InputStream in, List<UnaryOperator<String>> masks, LongAdder unchanged) {
			this.in = in;
			this.masks = masks;
			this.unchanged = unchanged;
			for (int i = 0; i < masks.size(); i++) {
				this.caches.add((masks.get(i) != null) ? new java.util.HashMap<>() : null);
			}
		}

		@Override
		public int read() throws IOException {
			byte[] one = new byte[1];
			return (read(one, 0, 1) == -1) ? -1 : (one[0] & 0xFF);
		}

		@Override
		public int read(byte[] bytes, int offset, int length) throws IOException {
			if (length == 0) {
				return 0;
			}
			if (this.at >= this.out.size && !fill()) {
				return -1;
			}
			int n = Math.min(length, this.out.size - this.at);
			System.arraycopy(this.out.bytes, this.at, bytes, offset, n);
			this.at += n;
			return n;
		}

		/** Rewrites the rows of the next block into {@code out}; false at the end. */
		private boolean fill() throws IOException {
			this.out.size = 0;
			this.at = 0;
			while (this.out.size == 0) {
				int newline = indexOf((byte) '\n', this.start, this.limit);
				if (newline < 0) {
					if (this.ended) {
						if (this.start < this.limit) {
							rewrite(this.start, this.limit, false);
							this.start = this.limit;
							return true;
						}
						return false;
					}
					more();
					continue;
				}
				// every whole row in the buffer
				while (newline >= 0) {
					rewrite(this.start, newline, true);
					this.start = newline + 1;
					newline = indexOf((byte) '\n', this.start, this.limit);
				}
			}
			return true;
		}

		private void more() throws IOException {
			if (this.start > 0) {
				System.arraycopy(this.buffer, this.start, this.buffer, 0, this.limit - this.start);
				this.limit -= this.start;
				this.start = 0;
			}
			if (this.limit == this.buffer.length) {
				this.buffer = java.util.Arrays.copyOf(this.buffer, this.buffer.length * 2);
			}
			int n = this.in.read(this.buffer, this.limit, this.buffer.length - this.limit);
			if (n < 0) {
				this.ended = true;
			}
			else {
				this.limit += n;
			}
		}

		private int indexOf(byte b, int from, int to) {
			for (int i = from; i < to; i++) {
				if (this.buffer[i] == b) {
					return i;
				}
			}
			return -1;
		}

		private void rewrite(int from, int to, boolean newline) {
			int field = 0;
			int fieldStart = from;
			for (int i = from; i <= to; i++) {
				if (i < to && this.buffer[i] != '\t') {
					continue;
				}
				if (field >= this.masks.size()) {
					throw new IllegalStateException(
							"a row of more fields than the table's " + this.masks.size() + " columns");
				}
				UnaryOperator<String> mask = this.masks.get(field);
				if (mask == null || (i - fieldStart == 2 && this.buffer[fieldStart] == '\\'
						&& this.buffer[fieldStart + 1] == 'N')) {
					this.out.write(this.buffer, fieldStart, i - fieldStart);
				}
				else {
					String original = unescape(new String(this.buffer, fieldStart, i - fieldStart,
							java.nio.charset.StandardCharsets.UTF_8));
					java.util.Map<String, String> cache = this.caches.get(field);
					String masked = cache.get(original);
					if (masked == null && !cache.containsKey(original)) {
						masked = mask.apply(original);
						if (cache.size() >= CACHE_ENTRIES) {
							cache.clear();
						}
						cache.put(original, masked);
					}
					// an empty value reveals nothing; a constant hides any value
					if (original.equals(masked) && !original.isEmpty() && !(mask instanceof Transform.Constant)) {
						this.unchanged.increment();
					}
					byte[] encoded = ((masked == null) ? "\\N" : escape(masked))
						.getBytes(java.nio.charset.StandardCharsets.UTF_8);
					this.out.write(encoded, 0, encoded.length);
				}
				field++;
				if (i < to) {
					this.out.write(this.buffer, i, 1);
				}
				fieldStart = i + 1;
			}
			if (field != this.masks.size()) {
				throw new IllegalStateException(
						"a row of " + field + " fields where the table has " + this.masks.size() + " columns");
			}
			if (newline) {
				this.out.write(NEWLINE, 0, 1);
			}
		}

	}

	private static final byte[] NEWLINE = { '\n' };

	/** A growable byte buffer whose array is read directly. */
	private static final class Bytes {

		byte[] bytes = new byte[1 << 16];

		int size;

		void write(byte[] from, int offset, int length) {
			if (this.size + length > this.bytes.length) {
				this.bytes = java.util.Arrays.copyOf(this.bytes, Math.max(this.bytes.length * 2, this.size + length));
			}
			System.arraycopy(from, offset, this.bytes, this.size, length);
			this.size += length;
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
