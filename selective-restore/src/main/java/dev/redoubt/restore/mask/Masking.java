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
	 * The policy bound to {@code tables}, whose columns the restored schema has as
	 * {@code columns}, with this key, counting unchanged values here.
	 * @throws dev.redoubt.core.error.RedoubtException {@code MASKING_POLICY} as
	 * {@link MaskingPolicy#plan} says
	 */
	public MaskPlan plan(java.util.List<dev.redoubt.core.manifest.TableEntry> tables,
			java.util.List<ColumnInfo> columns) {
		return this.policy.plan(tables, columns, this.key, this.unchanged);
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
