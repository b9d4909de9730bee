package dev.redoubt.verify.check;

import java.util.List;

/**
 * What a check found.
 *
 * @param passed whether the check holds
 * @param detail counts on success, the first differences on failure
 */
public record Outcome(boolean passed, String detail) {

	/** Shown differences at most; the rest are counted. */
	static final int SHOWN = 5;

	public static Outcome pass(String detail) {
		return new Outcome(true, detail);
	}

	public static Outcome fail(String detail) {
		return new Outcome(false, detail);
	}

	/** Passes if {@code problems} is empty, else fails naming the first few. */
	static Outcome of(List<String> problems, String success) {
		if (problems.isEmpty()) {
			return pass(success);
		}
		String shown = String.join("; ", problems.subList(0, Math.min(SHOWN, problems.size())));
		return fail(problems.size() + " problem(s): " + shown
				+ ((problems.size() > SHOWN) ? "; and " + (problems.size() - SHOWN) + " more" : ""));
	}

}
