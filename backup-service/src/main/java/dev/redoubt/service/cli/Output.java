package dev.redoubt.service.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.ManifestCodec;

/** Shared output helpers: JSON documents and human sizes. */
public final class Output {

	private Output() {
	}

	static void printJson(PrintWriter out, Object document) {
		out.println(ManifestCodec.json().writeValueAsString(document));
		out.flush();
	}

	static Map<String, Object> error(RedoubtException error) {
		Map<String, Object> json = new LinkedHashMap<>();
		json.put("code", error.code().name());
		json.put("exitCode", error.code().exitCode());
		json.put("message", error.getMessage());
		if (error.hint() != null) {
			json.put("hint", error.hint());
		}
		return json;
	}

	public static String bytes(long bytes) {
		if (bytes < 1024) {
			return bytes + " B";
		}
		String[] units = { "KiB", "MiB", "GiB", "TiB" };
		double value = bytes;
		int unit = -1;
		while (value >= 1024 && unit < units.length - 1) {
			value /= 1024;
			unit++;
		}
		return String.format("%.1f %s", value, units[unit]);
	}

	/**
	 * A database other than the source's (a restore's or refresh's target): {@code url}
	 * as {@code user} (default: the source's role), the password from {@code PGPASSWORD}
	 * (default: the source's); {@code null} for no {@code url}.
	 */
	static dev.redoubt.core.pg.ConnectionSpec target(dev.redoubt.core.pg.ConnectionSpec source, String url,
			String user) {
		if (url == null) {
			return null;
		}
		String password = System.getenv("PGPASSWORD");
		return new dev.redoubt.core.pg.ConnectionSpec(url, (user != null) ? user : source.username(),
				(password != null) ? dev.redoubt.core.secret.Secret.of(password) : source.password());
	}

	/**
	 * A positive duration such as 90s, 15m or 1h given for {@code option}, or
	 * {@code null} for {@code null}.
	 */
	static java.time.Duration duration(String option, String text) {
		if (text == null) {
			return null;
		}
		try {
			java.time.Duration duration = org.springframework.boot.convert.DurationStyle.SIMPLE.parse(text.trim());
			if (duration.isNegative() || duration.isZero()) {
				throw new IllegalArgumentException("not positive");
			}
			return duration;
		}
		catch (IllegalArgumentException ex) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					option + " '" + text + "' is not a duration such as 90s, 15m or 1h");
		}
	}

}
