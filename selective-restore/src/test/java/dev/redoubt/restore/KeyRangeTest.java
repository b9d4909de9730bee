package dev.redoubt.restore;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.redoubt.core.manifest.ChunkRef;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pruning is conservative by construction: a range only from a predicate understood
 * exactly on the key column. Each case below once pruned chunks that held selected rows.
 */
class KeyRangeTest {

	@Test
	void aRangeOnAnotherColumnWhoseNameEndsInTheKeyBoundsNothing() {
		assertThat(KeyRange.of("customer_id BETWEEN 10 AND 20", "id")).isEmpty();
		assertThat(KeyRange.of("xid BETWEEN 10 AND 20", "id")).isEmpty();
		assertThat(KeyRange.of("customer_id BETWEEN 10 AND 20 AND id > 100", "id")).contains(range(101L, null));
		assertThat(KeyRange.of("o.id BETWEEN 10 AND 20", "id")).isEmpty();
	}

	@Test
	void integersOfNineteenDigitsOrMoreAreNeverTruncated() {
		assertThat(KeyRange.of("id BETWEEN 1 AND 1234567890123456789", "id"))
			.contains(new KeyRange(1, 1234567890123456789L));
		assertThat(KeyRange.of("id BETWEEN 1 AND 12345678901234567890", "id")).contains(range(1L, null));
		assertThat(KeyRange.of("id <= 99999999999999999999", "id")).contains(range(null, null));
		assertThat(KeyRange.of("id > 9223372036854775807", "id"))
			.hasValueSatisfying((r) -> assertThat(r.mayHold(chunk(Long.MIN_VALUE, Long.MAX_VALUE))).isFalse());
		assertThat(KeyRange.of("id < -9223372036854775808", "id"))
			.hasValueSatisfying((r) -> assertThat(r.mayHold(chunk(Long.MIN_VALUE, Long.MAX_VALUE))).isFalse());
	}

	@Test
	void anythingNotUnderstoodExactlyFetchesEveryChunk() {
		for (String predicate : List.of("id BETWEEN 1 AND 5 = false", "id BETWEEN 1 AND 5e3", "id < 5.5",
				"id BETWEEN SYMMETRIC 9 AND 1", "id NOT BETWEEN 1 AND 5", "NOT id BETWEEN 1 AND 5",
				"id > 5 IS NOT TRUE", "id > 5 = false", "id = 5::bigint", "id IN (1, 2)", "-id > 5", "id - 5 > 3",
				"id > 5 OR true", "\"ID\" = 5", "U&\"id\" = 5", "id = 0x1F", "id = 1_000", "id > 5 -- c",
				"id = 5 AND note = 'x'", "id > 5 AND", "AND id > 5", "", "id >", "id = $1", "id = é")) {
			assertThat(KeyRange.of(predicate, "id")).as(predicate).isEmpty();
		}
	}

	@Test
	void namesResolveAsPostgresqlResolvesThem() {
		assertThat(KeyRange.of("ID BETWEEN 1 AND 5", "id")).contains(new KeyRange(1, 5));
		assertThat(KeyRange.of("\"Id\" >= 3", "Id")).contains(range(3L, null));
		assertThat(KeyRange.of("Id >= 3", "Id")).isEmpty();
		assertThat(KeyRange.of("5 < id AND 10 >= id AND note IS NOT NULL AND x <> 3", "id"))
			.contains(new KeyRange(6, 10));
		assertThat(KeyRange.of("id >=-5 AND id != 0", "id")).contains(range(-5L, null));
	}

	private static KeyRange range(Long low, Long high) {
		return new KeyRange((low == null) ? Long.MIN_VALUE : low, (high == null) ? Long.MAX_VALUE : high);
	}

	private static ChunkRef chunk(long min, long max) {
		return new ChunkRef("k", "i", 1, 1, 1, "s", List.of(), Long.toString(min), Long.toString(max), "h");
	}

}
