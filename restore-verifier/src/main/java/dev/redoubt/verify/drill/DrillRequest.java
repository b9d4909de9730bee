package dev.redoubt.verify.drill;

import java.nio.file.Path;
import java.time.Duration;

import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.restore.physical.RecoveryTarget;
import dev.redoubt.restore.sandbox.SandboxKind;
import dev.redoubt.verify.check.VerifySettings;

/**
 * A drill to run.
 *
 * @param source the source to recover
 * @param type what to recover from
 * @param lostRegion the region declared lost; {@code null}: the first configured
 * @param target where a physical drill recovers to ({@code latest}: the newest
 * recoverable point)
 * @param rto the recovery time target, or {@code null}
 * @param rpo the data loss target, or {@code null}
 * @param sandbox where the recovered server runs
 * @param sandboxRoot the directory sandboxes are made in
 * @param settings the verifier's settings for the checks (smoke queries, jobs)
 * @param sourceDatabase the live source, asked which WAL it archived (to name what the
 * surviving regions lack); {@code null} if it is not to be asked
 * @param keepOnFailure keep a failed drill's sandbox this long for inspection;
 * {@code null}: always remove it
 * @param canary physical drills: write a row to {@code redoubt_drill_canary} on the
 * source just before T (archived before T) and one just after, and prove that the
 * recovered database holds the first and not the second (unless its recovered point is
 * later)
 */
public record DrillRequest(String source, Type type, String lostRegion, RecoveryTarget target, Duration rto,
		Duration rpo, SandboxKind sandbox, Path sandboxRoot, VerifySettings settings, ConnectionSpec sourceDatabase,
		Duration keepOnFailure, boolean canary) {

	public enum Type {

		/** The newest base backup and every archived WAL segment to the target. */
		PHYSICAL,

		/** The newest logical backup. */
		LOGICAL;

		public String label() {
			return name().toLowerCase(java.util.Locale.ROOT);
		}

		public static Type parse(String text) {
			for (Type type : values()) {
				if (type.label().equals(text)) {
					return type;
				}
			}
			throw new dev.redoubt.core.error.RedoubtException(dev.redoubt.core.error.ErrorCode.CONFIG_INVALID,
					"--type must be physical or logical, not '" + text + "'");
		}

	}

}
