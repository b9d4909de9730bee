package dev.redoubt.core.codec;

import java.io.IOException;
import java.io.InputStream;

/** An input stream that works in blocks; single-byte reads go through the block read. */
abstract class BlockInputStream extends InputStream {

	@Override
	public int read() throws IOException {
		byte[] one = new byte[1];
		return (read(one, 0, 1) == -1) ? -1 : one[0] & 0xff;
	}

	@Override
	public abstract int read(byte[] bytes, int offset, int length) throws IOException;

}
