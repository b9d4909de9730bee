package dev.redoubt.core.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * An order-independent hash of a multiset of rows: the row count and the wrapping sum of
 * a 64-bit hash of each row's {@code COPY} text (including its newline). Two tables with
 * the same rows in any physical order have the same content hash, so neither side needs
 * an {@code ORDER BY}. The row hash is a non-cryptographic 64-bit mix (xxHash64's
 * structure): it detects lost, extra or changed rows; tampering is detected by the keyed
 * chunk hashes and GCM tags, not by this.
 */
public final class ContentHash {

	private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

	private static final long P1 = 0x9E3779B185EBCA87L;

	private static final long P2 = 0xC2B2AE3D27D4EB4FL;

	private static final long P4 = 0x85EBCA77C2B2AE63L;

	private static final long P5 = 0x27D4EB2F165667C5L;

	private long rows;

	private long sum;

	public void addRow(byte[] row, int offset, int length) {
		this.rows++;
		this.sum += hash(row, offset, length);
	}

	public void add(ContentHash other) {
		this.rows += other.rows;
		this.sum += other.sum;
	}

	public long rows() {
		return this.rows;
	}

	/** The hash as recorded in manifests: {@code xxh64sum:<16 hex digits>}. */
	public String value() {
		return "xxh64sum:" + String.format("%016x", this.sum);
	}

	/** Combines recorded values, e.g. a table's from its chunks'. */
	public static String combine(Iterable<String> values) {
		long total = 0;
		for (String value : values) {
			total += Long.parseUnsignedLong(value.substring("xxh64sum:".length()), 16);
		}
		return "xxh64sum:" + String.format("%016x", total);
	}

	static long hash(byte[] bytes, int offset, int length) {
		long h = P5 + length;
		int i = offset;
		int end = offset + length;
		for (; i + 8 <= end; i += 8) {
			long k = (long) LONGS.get(bytes, i);
			k *= P2;
			k = Long.rotateLeft(k, 31);
			k *= P1;
			h ^= k;
			h = Long.rotateLeft(h, 27) * P1 + P4;
		}
		for (; i < end; i++) {
			h ^= (bytes[i] & 0xffL) * P5;
			h = Long.rotateLeft(h, 11) * P1;
		}
		h ^= h >>> 33;
		h *= P2;
		h ^= h >>> 29;
		h *= 0x165667B19E3779F9L;
		h ^= h >>> 32;
		return h;
	}

}
