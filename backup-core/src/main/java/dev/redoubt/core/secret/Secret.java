package dev.redoubt.core.secret;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A password, access key or similar value that must never reach a log, report, manifest
 * or exception message. {@link #toString()} always prints {@code <redacted>}; the value
 * is only available through {@link #reveal()}, which call sites use at the last moment (a
 * JDBC property, an environment variable of a child process, an SDK credential).
 */
public final class Secret {

	private static final String REDACTED = "<redacted>";

	private final String value;

	private Secret(String value) {
		this.value = Objects.requireNonNull(value, "value");
	}

	public static Secret of(String value) {
		return new Secret(value);
	}

	/**
	 * Reads a secret from a file, dropping one trailing newline (as Docker secrets have).
	 */
	public static Secret fromFile(Path file) throws IOException {
		String text = Files.readString(file, StandardCharsets.UTF_8);
		if (text.endsWith("\n")) {
			text = text.substring(0, text.length() - 1);
		}
		if (text.endsWith("\r")) {
			text = text.substring(0, text.length() - 1);
		}
		return new Secret(text);
	}

	public String reveal() {
		return this.value;
	}

	public boolean isEmpty() {
		return this.value.isEmpty();
	}

	@Override
	public String toString() {
		return REDACTED;
	}

	@Override
	public boolean equals(Object other) {
		return other instanceof Secret secret && secret.value.equals(this.value);
	}

	@Override
	public int hashCode() {
		return this.value.hashCode();
	}

}
