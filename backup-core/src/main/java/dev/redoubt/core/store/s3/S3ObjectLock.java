package dev.redoubt.core.store.s3;

import java.time.Duration;
import java.time.Instant;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * S3 Object Lock for every object a store writes: the object cannot be deleted or
 * overwritten until {@code retainFor} after it was written. The bucket must have been
 * created with Object Lock enabled; S3-compatible stores that ignore the headers
 * (S3Proxy) store the object unlocked.
 *
 * @param mode {@code GOVERNANCE} (users with a bypass permission can still delete) or
 * {@code COMPLIANCE} (nobody can, not even the root account)
 * @param retainFor how long after its write an object stays locked
 */
public record S3ObjectLock(String mode, Duration retainFor) {

	public S3ObjectLock {
		if (!"GOVERNANCE".equals(mode) && !"COMPLIANCE".equals(mode)) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"object-lock mode '" + mode + "' is not GOVERNANCE or COMPLIANCE");
		}
		if (retainFor == null || retainFor.isNegative() || retainFor.isZero()) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "object-lock retain-for must be positive");
		}
	}

	/** The retain-until date of an object written at {@code written}. */
	public Instant until(Instant written) {
		return written.plus(this.retainFor);
	}

}
