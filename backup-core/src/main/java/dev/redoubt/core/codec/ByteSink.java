package dev.redoubt.core.codec;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A growable in-memory output whose bytes can be handed on without a copy. Reused from
 * chunk to chunk by one worker, so a worker's memory is bounded by its largest chunk.
 */
public final class ByteSink extends OutputStream {

	private byte[] buffer;

	private int size;

	public ByteSink(int initialCapacity) {
		this.buffer = new byte[initialCapacity];
	}

	@Override
	public void write(int b) {
		ensure(1);
		this.buffer[this.size++] = (byte) b;
	}

	@Override
	public void write(byte[] bytes, int offset, int length) {
		ensure(length);
		System.arraycopy(bytes, offset, this.buffer, this.size, length);
		this.size += length;
	}

	/** Room for {@code length} more bytes, returning the offset to write them at. */
	int reserve(int length) {
		ensure(length);
		int at = this.size;
		this.size += length;
		return at;
	}

	private void ensure(int more) {
		if (this.size + more > this.buffer.length) {
			this.buffer = Arrays.copyOf(this.buffer, Math.max(this.size + more, this.buffer.length * 2));
		}
	}

	/** The backing array; only the first {@link #size()} bytes are valid. */
	public byte[] array() {
		return this.buffer;
	}

	public int size() {
		return this.size;
	}

	public void reset() {
		this.size = 0;
	}

}
