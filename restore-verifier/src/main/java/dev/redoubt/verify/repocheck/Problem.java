package dev.redoubt.verify.repocheck;

/**
 * One thing wrong with one object in one region.
 *
 * @param kind {@code missing}, {@code corrupt} or {@code orphan}
 * @param region the region
 * @param key the object key
 * @param detail what is wrong
 * @param repaired whether {@code --repair} fixed it (rewrote the copy from a healthy
 * region, or removed the orphan)
 */
public record Problem(String kind, String region, String key, String detail, boolean repaired) {

	Problem repairedNow() {
		return new Problem(this.kind, this.region, this.key, this.detail, true);
	}

}
