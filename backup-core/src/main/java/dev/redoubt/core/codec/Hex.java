package dev.redoubt.core.codec;

import java.util.HexFormat;

/** Lower-case hex, the one spelling of hashes in the repository. */
public final class Hex {

	private static final HexFormat FORMAT = HexFormat.of();

	private Hex() {
	}

	public static String of(byte[] bytes) {
		return FORMAT.formatHex(bytes);
	}

}
