package dev.redoubt.restore;

import java.util.Locale;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/** How restored rows meet rows of the live table ({@code --into-existing}). */
public enum ConflictMode {

	/** Stop, changing nothing, if any restored row exists in the live table. */
	FAIL,

	/** Insert the restored rows whose primary key is missing; leave the others. */
	SKIP,

	/**
	 * Insert missing rows and update existing ones to their restored values, by primary
	 * key.
	 */
	UPSERT,

	/** Delete the live rows the selection matches, then insert the restored rows. */
	REPLACE;

	public static ConflictMode parse(String value) {
		try {
			return valueOf(value.trim().toUpperCase(Locale.ROOT));
		}
		catch (IllegalArgumentException | NullPointerException ex) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"--conflict '" + value + "' is not one of fail, skip, upsert, replace");
		}
	}

	boolean needsPrimaryKey() {
		return this == SKIP || this == UPSERT;
	}

}
