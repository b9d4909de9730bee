package dev.redoubt.core.codec;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Runs the codec chain over a few MiB of throwaway data on a background thread while the
 * process starts. The JDK's AES-GCM only reaches its CPU intrinsics once the JIT has
 * compiled its callers: cold, the first 16 MiB decode takes ten times as long as the next
 * (0.55 s against 0.04 s here), a delay that would otherwise land on the first chunks of
 * every command. Keys and data are random and thrown away.
 */
public final class CodecWarmup {

	private static final int BYTES = 12 << 20;

	private static final int ROW = 8192;

	private CodecWarmup() {
	}

	/** Starts the warm-up on a low-priority daemon thread and returns at once. */
	public static void startInBackground() {
		Thread thread = new Thread(CodecWarmup::run, "redoubt-codec-warmup");
		thread.setDaemon(true);
		thread.setPriority(Thread.MIN_PRIORITY);
		thread.start();
	}

	/** Encodes and decodes incompressible rows, so that every stage does real work. */
	static void run() {
		SplittableRandom random = new SplittableRandom();
		byte[] key = new byte[32];
		byte[] rows = new byte[BYTES];
		for (int i = 0; i < rows.length; i++) {
			rows[i] = (byte) ('0' + random.nextInt(64));
		}
		ChunkEncoder encoder = new ChunkEncoder(key, key, 1, BYTES * 2);
		encoder.begin();
		for (int offset = 0; offset < rows.length; offset += ROW) {
			rows[offset + ROW - 1] = '\n';
			encoder.write(rows, offset, ROW);
		}
		EncodedChunk chunk = encoder.finish();
		byte[] stored = Arrays.copyOf(chunk.stored(), chunk.storedLength());
		for (int round = 0; round < 2; round++) {
			ChunkDecoder.readAll(stored, key, key, chunk.id());
		}
	}

}
