package dev.redoubt.restore.mask;

import java.nio.file.Path;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a masked restore needs: the policy and the key that makes it deterministic.
 */
public record Masking(MaskingPolicy policy, MaskingKey key, LongAdder unchanged) {

	public Masking(MaskingPolicy policy, MaskingKey key) {
		this(policy, key, new LongAdder());
	}

	/** The policy file and the key file, each read and checked. */
	public static Masking read(Path policy, Path keyFile) {
		return new Masking(MaskingPolicy.read(policy), MaskingKey.read(keyFile));
	}

	/**
	 * Masked values that came out equal to their original (a refresh's proof that no
	 * original value is left in a masked column counts them: zero passes).
	 */
	public long unchangedValues() {
		return this.unchanged.sum();
	}

	@Override
	public String toString() {
		return "Masking[strict=" + this.policy.strict() + "]";
	}

}
