package dev.redoubt.verify.check;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.restore.RestoreResult;

/**
 * Check 3: the schema (and the rows) restored without a single error: {@code pg_restore}
 * runs with {@code --exit-on-error}, so any error it reports fails this check with the
 * server's message.
 */
public final class SchemaRestoreCheck {

	public static final String ID = "schema";

	public static final String TITLE = "Schema restored without a single error";

	private SchemaRestoreCheck() {
	}

	public static Outcome judge(RestoreResult result, RedoubtException failure) {
		if (failure == null) {
			return Outcome.pass(result.tables() + " tables created and loaded, indexes, constraints and triggers built"
					+ " (" + result.deferredForeignKeys().size() + " foreign keys left to the constraint check)");
		}
		if (failure.code() == ErrorCode.CORRUPT_OBJECT) {
			return Outcome.fail("not reached: a chunk could not be read");
		}
		return Outcome.fail(failure.getMessage());
	}

}
