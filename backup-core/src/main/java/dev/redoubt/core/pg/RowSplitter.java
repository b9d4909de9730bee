package dev.redoubt.core.pg;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * Cuts a stream of {@code COPY} text into rows: every raw newline ends a row (a newline
 * inside a value is written as {@code \n}). Scans eight bytes at a time; a row split
 * across two reads is joined in a carry buffer.
 */
public final class RowSplitter {

	private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

	private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;

	private static final long ONES = 0x0101010101010101L;

	private static final long HIGHS = 0x8080808080808080L;

	private final byte[] buffer = new byte[256 * 1024];

	private byte[] carry = new byte[64 * 1024];

	private int carried;

	/**
	 * Receives rows one by one for inspection, and the same bytes again in bulk for
	 * storing: copying a 256 KiB run of rows at once is far cheaper than a row at a time.
	 */
	public interface RowConsumer {

		/**
		 * One row, newline included.
		 * @return true to end the current chunk after this row
		 */
		boolean row(byte[] bytes, int offset, int length);

		/** Consecutive whole rows, each already passed to {@link #row}, in order. */
		void rows(byte[] bytes, int offset, int length);

		/**
		 * Ends the current chunk; every row passed to {@link #row} before has been passed
		 * to {@link #rows}.
		 */
		void cut();

	}

	public void split(InputStream in, RowConsumer consumer) throws IOException {
		this.carried = 0;
		int n;
		while ((n = in.read(this.buffer, 0, this.buffer.length)) > 0) {
			int start = 0;
			int span = 0;
			int newline;
			while ((newline = indexOfNewline(this.buffer, start, n)) >= 0) {
				int end = newline + 1;
				if (this.carried > 0) {
					// the row began in an earlier read: it goes out alone, from the carry
					append(this.buffer, start, end - start);
					boolean cut = consumer.row(this.carry, 0, this.carried);
					consumer.rows(this.carry, 0, this.carried);
					this.carried = 0;
					span = end;
					if (cut) {
						consumer.cut();
					}
				}
				else if (consumer.row(this.buffer, start, end - start)) {
					consumer.rows(this.buffer, span, end - span);
					span = end;
					consumer.cut();
				}
				start = end;
			}
			if (start > span) {
				consumer.rows(this.buffer, span, start - span);
			}
			if (start < n) {
				append(this.buffer, start, n - start);
			}
		}
		if (this.carried > 0) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"COPY output ended inside a row (" + this.carried + " bytes without a newline)");
		}
	}

	private void append(byte[] bytes, int offset, int length) {
		if (this.carried + length > this.carry.length) {
			this.carry = Arrays.copyOf(this.carry, Math.max(this.carried + length, this.carry.length * 2));
		}
		System.arraycopy(bytes, offset, this.carry, this.carried, length);
		this.carried += length;
	}

	static int indexOfNewline(byte[] bytes, int from, int to) {
		int i = from;
		for (; i + 8 <= to; i += 8) {
			long x = (long) LONGS.get(bytes, i) ^ NEWLINES;
			long found = (x - ONES) & ~x & HIGHS;
			if (found != 0) {
				return i + (Long.numberOfTrailingZeros(found) >>> 3);
			}
		}
		for (; i < to; i++) {
			if (bytes[i] == '\n') {
				return i;
			}
		}
		return -1;
	}

}
