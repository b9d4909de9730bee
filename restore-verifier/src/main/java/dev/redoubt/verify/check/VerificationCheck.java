package dev.redoubt.verify.check;

/**
 * One proof about a restored backup. Each check catches one kind of fault and is shown,
 * by a test, to fail on that fault.
 */
public interface VerificationCheck {

	/** Stable identifier used in reports and records. */
	String id();

	/** What the check proves, for people. */
	String title();

	/**
	 * Runs the check against the restored copy.
	 * @throws Exception anything unexpected; the check is then reported failed with it
	 */
	Outcome run(VerificationContext context) throws Exception;

}
