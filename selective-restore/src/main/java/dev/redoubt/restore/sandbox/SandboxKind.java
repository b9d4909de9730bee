package dev.redoubt.restore.sandbox;

import java.util.Locale;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/** Where verification restores run. */
public enum SandboxKind {

	/** A container when a Docker engine answers, else a local server. */
	AUTO,

	/**
	 * {@code initdb} and {@code pg_ctl} of the backup's major version on this machine.
	 */
	LOCAL,

	/**
	 * A PostgreSQL container of the backup's major version (Testcontainers); also spelled
	 * {@code container}.
	 */
	TESTCONTAINERS;

	public static SandboxKind parse(String value) {
		if (value == null || value.isBlank()) {
			return AUTO;
		}
		if ("container".equalsIgnoreCase(value.trim())) {
			return TESTCONTAINERS;
		}
		try {
			return valueOf(value.trim().toUpperCase(Locale.ROOT));
		}
		catch (IllegalArgumentException ex) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"sandbox '" + value + "' is not one of auto, local, testcontainers (or container)");
		}
	}

}
