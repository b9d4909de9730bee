package dev.redoubt.service.schedule;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.repository.BackupId;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fence on the embedded H2 metadata database (the default of {@code serve}), from a
 * table created by an earlier release: a fire's tokens, a stale commit refused, the
 * manifest kept from commit to {@link FireFence#finished}, a committed fire never taken
 * on again.
 */
class FireFenceTest {

	private JdbcTemplate jdbc;

	private FireFence fence;

	@BeforeEach
	void metadataDatabase() {
		JdbcDataSource dataSource = new JdbcDataSource();
		dataSource.setURL("jdbc:h2:mem:fence-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
		this.jdbc = new JdbcTemplate(dataSource);
		// the table as the first release created it, without the manifest column
		this.jdbc.execute(FireFence.SCHEMA);
		this.fence = new FireFence(dataSource, new DataSourceTransactionManager(dataSource));
		this.fence.createSchema();
	}

	@Test
	void aCommitKeepsTheManifestUntilFinishedAndAStaleTokenIsRefused() {
		String fire = "logical-backup/app@2026-12-06T02:00:00Z";
		OptionalLong first = this.fence.acquire(fire, "logical-backup", "app", "replica-a");
		OptionalLong second = this.fence.acquire(fire, "logical-backup", "app", "replica-b");
		assertThat(first).hasValue(1);
		assertThat(second).hasValue(2);
		byte[] manifest = "{\"formatVersion\":1}\nsigned\n".getBytes(StandardCharsets.UTF_8);
		BackupId id = BackupId.parse("20261206T020000Z-00aa");

		assertThatThrownBy(() -> this.fence.guard(fire, 1).beforeManifest("app", id, manifest))
			.isInstanceOfSatisfying(RedoubtException.class, (ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.FENCED))
			.hasMessageContaining("another replica took fire " + fire + " over");
		assertThat(this.fence.pendingCommit(fire)).isEmpty();

		this.fence.guard(fire, 2).beforeManifest("app", id, manifest);
		FireFence.PendingCommit pending = this.fence.pendingCommit(fire).orElseThrow();
		assertThat(pending.backupId()).isEqualTo(id.value());
		assertThat(pending.source()).isEqualTo("app");
		assertThat(pending.manifest()).isEqualTo(manifest);
		assertThat(this.fence.acquire(fire, "logical-backup", "app", "replica-c")).as("committed: not run again")
			.isEmpty();

		this.fence.finished(fire);
		assertThat(this.fence.pendingCommit(fire)).isEmpty();
		assertThat(this.fence.committedBackup(fire)).hasValue(id.value());
		assertThat(this.jdbc.queryForObject("SELECT owner FROM redoubt_fire WHERE fire_key = ?", String.class, fire))
			.isEqualTo("replica-b");
	}

	@Test
	void aFailedRunCanBeTakenOnAgain() {
		String fire = "base-backup/app@2026-12-06T03:00:00Z";
		long token = this.fence.acquire(fire, "base-backup", "app", "replica-a").orElseThrow();

		this.fence.failed(fire, token);

		assertThat(this.fence.acquire(fire, "base-backup", "app", "replica-b")).hasValue(token + 1);
	}

}
