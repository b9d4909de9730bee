package dev.redoubt.restore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.restore.physical.RecoveryTarget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every restore request is judged in {@link RestoreRequest.Builder#build()}: what one can
 * ask for, and a clear refusal (naming the option to change) for what makes no sense.
 */
class RestoreRequestTest {

	private static final ConnectionSpec LIVE = new ConnectionSpec("jdbc:postgresql://127.0.0.1:5432/shop", "app",
			Secret.of("not-logged"));

	private static final ConnectionSpec OTHER = new ConnectionSpec("jdbc:postgresql://127.0.0.1:5432/side", "app",
			Secret.of("not-logged"));

	@TempDir
	Path work;

	@Test
	void aTableRestoreAsOfATimeGoesBesideTheSourceDatabaseByDefault() {
		RestoreRequest request = RestoreRequest.tables("shop")
			.table("public.orders")
			.pointInTime(RecoveryTarget.time("2026-12-06T14:31:00Z"))
			.sourceDatabase(LIVE)
			.jobs(2)
			.build();
		assertThat(request.kind()).isEqualTo(RestoreRequest.Kind.TABLES);
		assertThat(request.backup()).isEqualTo("latest");
		assertThat(request.tables()).containsExactly(QualifiedName.parse("public.orders"));
		assertThat(request.target()).isNull();
		assertThat(request.withTarget(OTHER).target()).isSameAs(OTHER);
		assertThat(request.target()).as("a request does not change once built").isNull();
	}

	@Test
	void aBuiltRequestDoesNotFollowItsBuilder() {
		RestoreRequest.Builder builder = RestoreRequest.tables("shop").table("public.orders").target(LIVE);
		RestoreRequest request = builder.build();
		builder.table("public.customers").where("id = 1");
		assertThat(request.tables()).hasSize(1);
		assertThat(request.where()).isNull();
	}

	@Test
	void aVerificationsRestoreLeavesForeignKeysAndRowCountsToTheChecks() {
		RestoreOptions options = RestoreRequest.full("shop").target(OTHER).jobs(3).forVerification().build().options();
		assertThat(options).isEqualTo(RestoreOptions.forVerification(3));
		assertThat(RestoreRequest.full("shop").target(OTHER).jobs(3).build().options())
			.isEqualTo(new RestoreOptions(3, false, false));
	}

	@Test
	void contradictoryTableOptionsAreRefused() throws Exception {
		Path existing = Files.writeString(this.work.resolve("orders.csv"), "id\n");
		refused(() -> RestoreRequest.tables("shop").target(LIVE), ErrorCode.INVALID_SELECTION, "no table named");
		refused(() -> tables().intoExisting(ConflictMode.SKIP).into("public.orders_back"), ErrorCode.CONFIG_INVALID,
				"excludes --into and --to-file");
		refused(() -> tables().target(null).intoExisting(ConflictMode.SKIP).dryRun(true), ErrorCode.CONFIG_INVALID,
				"--into-existing needs --target");
		refused(() -> tables().target(null), ErrorCode.CONFIG_INVALID, "needs --target, --to-file or --dry-run");
		refused(() -> tables().table("public.customers").into("public.both"), ErrorCode.INVALID_SELECTION,
				"--into names one table, but 2 tables are named");
		refused(() -> tables().allowDroppedColumns(true), ErrorCode.CONFIG_INVALID, "with --into-existing");
		refused(() -> tables().disableTriggers(true), ErrorCode.CONFIG_INVALID, "with --into-existing");
		refused(() -> tables().target(null).toFile(this.work.resolve("orders.txt")), ErrorCode.CONFIG_INVALID,
				"must end in .csv or .sql");
		refused(() -> tables().target(null).table("public.customers").toFile(this.work.resolve("two.csv")),
				ErrorCode.CONFIG_INVALID, "a .csv file holds one table");
		refused(() -> tables().target(null).toFile(existing), ErrorCode.OBJECT_EXISTS, "nothing overwritten");
		refused(() -> tables().dataDirectory(this.work), ErrorCode.CONFIG_INVALID, "--data-dir needs --type physical");
		refused(() -> tables().pointInTime(RecoveryTarget.time("2026-12-06T14:31:00Z")), ErrorCode.CONFIG_INVALID,
				"needs the source's database");
		refused(() -> tables().pausedIn(this.work), ErrorCode.CONFIG_INVALID, "leaves no cluster running");
	}

	@Test
	void hostileJobsBackupIdsAndPredicatesAreRefusedBeforeAnythingRuns() {
		refused(() -> tables().jobs(0), ErrorCode.CONFIG_INVALID, "--jobs must be at least 1, not 0");
		refused(() -> tables().jobs(-4), ErrorCode.CONFIG_INVALID, "--jobs must be at least 1");
		for (String id : new String[] { "../../etc/passwd", "20261206T000000Z-0000/../x", "", "latest;drop" }) {
			assertThatThrownBy(() -> tables().backup(id).build()).as(id).isInstanceOf(RedoubtException.class);
		}
		refused(() -> tables().where("true) OR (SELECT pg_sleep(10)) IS NULL OR (true"), ErrorCode.INVALID_SELECTION,
				"");
		refused(() -> RestoreRequest.tables(" ").table("public.orders").target(LIVE), ErrorCode.CONFIG_INVALID,
				"--source");
	}

	@Test
	void aFullRestoreTakesATargetAndNothingOfATableRestore() {
		refused(() -> RestoreRequest.full("shop"), ErrorCode.CONFIG_INVALID, "a full restore needs --target");
		refused(() -> RestoreRequest.full("shop").target(LIVE).where("id = 1"), ErrorCode.CONFIG_INVALID,
				"takes no --table");
		refused(() -> RestoreRequest.full("shop").target(LIVE).pointInTime(RecoveryTarget.latest()),
				ErrorCode.CONFIG_INVALID, "needs --table or --schema, or --type physical");
	}

	@Test
	void aWholeClusterRecoveryTakesADataDirectoryAndATargetInTime() {
		refused(() -> RestoreRequest.cluster("shop").dataDirectory(this.work), ErrorCode.CONFIG_INVALID,
				"needs a target");
		refused(() -> RestoreRequest.cluster("shop").pointInTime(RecoveryTarget.latest()), ErrorCode.CONFIG_INVALID,
				"--type physical needs --data-dir DIR");
		refused(() -> cluster().target(LIVE), ErrorCode.CONFIG_INVALID, "--target do not apply");
		refused(() -> cluster().table("public.orders"), ErrorCode.CONFIG_INVALID, "--target do not apply");
		refused(() -> cluster().pausedIn(this.work), ErrorCode.CONFIG_INVALID, "not --latest");
		refused(() -> cluster().pointInTime(RecoveryTarget.lsn("0/3000000")).pausedIn(this.work).readable(),
				ErrorCode.CONFIG_INVALID, "read on its socket only");
		RestoreRequest timeTravel = cluster().pointInTime(RecoveryTarget.lsn("0/3000000"))
			.pausedIn(this.work)
			.sourceDatabase(LIVE)
			.table("public.orders")
			.build();
		assertThat(timeTravel.pausedIn()).isEqualTo(this.work);
		assertThat(timeTravel.tables()).hasSize(1);
	}

	private RestoreRequest.Builder tables() {
		return RestoreRequest.tables("shop").table("public.orders").target(LIVE);
	}

	private RestoreRequest.Builder cluster() {
		return RestoreRequest.cluster("shop").pointInTime(RecoveryTarget.latest()).dataDirectory(this.work);
	}

	private static void refused(Supplier<RestoreRequest.Builder> request, ErrorCode code, String message) {
		assertThatThrownBy(() -> request.get().build()).isInstanceOfSatisfying(RedoubtException.class, (ex) -> {
			assertThat(ex.code()).as(ex.getMessage()).isEqualTo(code);
			assertThat(ex.getMessage()).contains(message);
		});
	}

}
