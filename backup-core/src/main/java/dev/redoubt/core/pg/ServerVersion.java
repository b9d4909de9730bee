package dev.redoubt.core.pg;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * A PostgreSQL version as {@code server_version_num} spells it (e.g. 150018 for 15.18).
 *
 * @param number the numeric version
 */
public record ServerVersion(int number) implements Comparable<ServerVersion> {

	private static final Pattern TOOL_VERSION = Pattern.compile("\\(PostgreSQL\\)\\s+(\\d+)(?:\\.(\\d+))?");

	public ServerVersion {
		if (number < 90000) {
			throw new RedoubtException(ErrorCode.PG_TOOL_UNSUITABLE, "unsupported PostgreSQL version number " + number);
		}
	}

	public int major() {
		return this.number / 10000;
	}

	/**
	 * Parses the output of {@code pg_dump --version}, e.g.
	 * {@code pg_dump (PostgreSQL) 15.18}.
	 */
	public static ServerVersion parseToolOutput(String output) {
		Matcher matcher = TOOL_VERSION.matcher(output);
		if (!matcher.find()) {
			throw new RedoubtException(ErrorCode.PG_TOOL_UNSUITABLE,
					"cannot read a version from '" + output.trim() + "'");
		}
		int major = Integer.parseInt(matcher.group(1));
		int minor = (matcher.group(2) != null) ? Integer.parseInt(matcher.group(2)) : 0;
		return new ServerVersion(major * 10000 + minor);
	}

	@Override
	public int compareTo(ServerVersion other) {
		return Integer.compare(this.number, other.number);
	}

	@Override
	public String toString() {
		return major() + "." + (this.number % 10000);
	}

}
