package dev.redoubt.restore.incident;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code pg_waldump} of PostgreSQL 15 showed of this, at {@code wal_level = replica}
 * (waldump-15.txt; the table {@code t} had file 16384 in database 5, {@code u} 16391):
 *
 * <pre>
 * BEGIN; DELETE FROM t WHERE id &lt; 4; SAVEPOINT a; UPDATE t SET v = 'y' WHERE id = 5; COMMIT;  -- xid 725
 * TRUNCATE t;                    -- 727
 * INSERT INTO t VALUES (1, 'a'); -- 728
 * VACUUM FULL t;                 -- 729
 * DROP TABLE u;                  -- 730
 * </pre>
 */
class WalChangesTest {

	@Test
	void deletesUpdatesInSubtransactionsTruncatesAndRewritesOfOneTableAreFound() throws IOException {
		WalChanges t = read(new WalChanges(5, Set.of(16384L)));

		assertThat(t.changes())
			.extracting(WalChanges.Change::xid, WalChanges.Change::kind, WalChanges.Change::rowsDeleted,
					WalChanges.Change::rowsUpdated)
			.containsExactly(org.assertj.core.groups.Tuple.tuple(725L, "delete", 3L, 1L),
					org.assertj.core.groups.Tuple.tuple(727L, "truncate", 0L, 0L),
					org.assertj.core.groups.Tuple.tuple(729L, "rewrite", 0L, 0L));
		WalChanges.Change delete = t.changes().get(0);
		assertThat(delete.commitLsn()).isEqualTo("0/01539100");
		assertThat(delete.committedAt()).hasToString("2026-12-07T00:00:13.226531Z");
	}

	@Test
	void aDropIsACommitThatDropsTheTablesFileAndMakesNoOther() throws IOException {
		WalChanges u = read(new WalChanges(5, Set.of(16391L)));

		assertThat(u.changes()).extracting(WalChanges.Change::xid, WalChanges.Change::kind)
			.containsExactly(org.assertj.core.groups.Tuple.tuple(730L, "drop"));
	}

	@Test
	void anotherDatabasesFileOfTheSameNumberIsNotTheTable() throws IOException {
		assertThat(read(new WalChanges(16999, Set.of(16384L))).changes()).isEmpty();
	}

	private static WalChanges read(WalChanges changes) throws IOException {
		try (InputStream dump = WalChangesTest.class.getResourceAsStream("waldump-15.txt")) {
			List<String> lines = new String(dump.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
			lines.forEach(changes::accept);
		}
		return changes;
	}

}
