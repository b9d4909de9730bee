package dev.redoubt.restore;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.ChunkRef;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SelectionParsingTest {

	@Test
	void tableNamesFoldBareAndKeepQuotedParts() {
		assertThat(QualifiedName.parse("Orders")).isEqualTo(new QualifiedName("public", "orders"));
		assertThat(QualifiedName.parse("App.Events")).isEqualTo(new QualifiedName("app", "events"));
		assertThat(QualifiedName.parse("\"Ünïcødé Schema\".\"Tàble \"\"quoted\"\" name\""))
			.isEqualTo(new QualifiedName("Ünïcødé Schema", "Tàble \"quoted\" name"));
		assertThat(QualifiedName.parse("\"a.b\".c")).isEqualTo(new QualifiedName("a.b", "c"));
		for (String bad : List.of("a.b.c", "\"open", "bad name", "x;drop", "", "a.")) {
			assertThatThrownBy(() -> QualifiedName.parse(bad)).as(bad).isInstanceOf(RedoubtException.class);
		}
	}

	@Test
	void predicatesThatCouldStepOutOfTheirParenthesesAreRefused() {
		for (String bad : List.of("id > 0) OR (true", "id > 0; DROP TABLE t", "id > 0 -- x", "id > 0 /* x */",
				"note = $$x$$", "(id > 0", "note = 'open")) {
			assertThatThrownBy(() -> PredicateGuard.checkShape(bad)).as(bad).isInstanceOf(RedoubtException.class);
		}
		PredicateGuard.checkShape("note = ')(;--' AND \"we(ird\" > 1 AND (id BETWEEN 1 AND 2)");
	}

	@Test
	void keyRangesAreReadConservatively() {
		assertThat(KeyRange.of("id BETWEEN 1000 AND 1999", "id")).contains(new KeyRange(1000, 1999));
		assertThat(KeyRange.of("id >= 10 AND id < 20 AND note IS NULL", "id")).contains(new KeyRange(10, 19));
		assertThat(KeyRange.of("\"id\" = 7", "id")).contains(new KeyRange(7, 7));
		assertThat(KeyRange.of("id > 5 OR id < 2", "id")).isEmpty();
		assertThat(KeyRange.of("NOT id > 5", "id")).isEmpty();
		assertThat(KeyRange.of("(id > 5)", "id")).isEmpty();
		assertThat(KeyRange.of("note = 'id > 5'", "id")).isEmpty();
		assertThat(KeyRange.of("other_id > 5", "id")).isEmpty();
		assertThat(KeyRange.of("id > 5", null)).isEmpty();
	}

	@Test
	void chunksOutsideTheRangeAreSkippedAndChunksWithoutBoundsKept() {
		KeyRange range = new KeyRange(1000, 1999);
		assertThat(range.mayHold(chunk("1", "999"))).isFalse();
		assertThat(range.mayHold(chunk("990", "1000"))).isTrue();
		assertThat(range.mayHold(chunk("1999", "3000"))).isTrue();
		assertThat(range.mayHold(chunk("2000", "3000"))).isFalse();
		assertThat(range.mayHold(chunk(null, null))).isTrue();
	}

	private static ChunkRef chunk(String min, String max) {
		return new ChunkRef("k", "id", 1, 1, 1, "00", List.of(), min, max, "xxh64sum:0");
	}

}
