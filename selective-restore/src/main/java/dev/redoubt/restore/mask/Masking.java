package dev.redoubt.restore.mask;

/**
 * What a masked restore needs: the policy and the key that makes it deterministic.
 */
public record Masking(MaskingPolicy policy, MaskingKey key) {

	@Override
	public String toString() {
		return "Masking[strict=" + this.policy.strict() + "]";
	}

}
