package dev.redoubt.verify;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.restore.physical.PointInTimeRecovery;
import dev.redoubt.verify.check.CheckResult;
import dev.redoubt.verify.check.CheckStatus;
import dev.redoubt.verify.check.ConstraintCheck;
import dev.redoubt.verify.check.IndexCheck;
import dev.redoubt.verify.check.Outcome;
import dev.redoubt.verify.check.SmokeQueryCheck;
import dev.redoubt.verify.check.VerificationCheck;
import dev.redoubt.verify.check.VerificationContext;
import dev.redoubt.verify.check.VerifySettings;

/**
 * The checks of a cluster recovered from a base backup (a base backup's verification, a
 * physical drill): indexes ({@code amcheck}) and constraints in every database, then the
 * source's smoke queries on its own database. A check that cannot complete fails.
 */
public final class RecoveredClusterChecks {

	private static final List<VerificationCheck> PER_DATABASE = List.of(new IndexCheck(), new ConstraintCheck());

	private RecoveredClusterChecks() {
	}

	public static List<CheckResult> run(PointInTimeRecovery.Recovered recovered, BaseBackupManifest manifest,
			VerifySettings settings, Clock clock) {
		List<CheckResult> results = new ArrayList<>();
		Path psql = PgTools.find("psql", manifest.source().serverVersionNum() / 10000);
		List<String> databases = new ArrayList<>();
		try (Connection connection = recovered.connection("postgres").open("redoubt verify");
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(
						"SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1")) {
			while (rows.next()) {
				databases.add(rows.getString(1));
			}
		}
		catch (java.sql.SQLException ex) {
			throw new RedoubtException(ErrorCode.VERIFICATION_FAILED, "cannot list the recovered databases: " + ex, ex);
		}
		for (VerificationCheck check : PER_DATABASE) {
			List<String> details = new ArrayList<>();
			boolean passed = true;
			Instant start = clock.instant();
			for (String database : databases) {
				Outcome outcome = run(check,
						new VerificationContext(null, recovered.connection(database), null, settings, psql));
				passed &= outcome.passed();
				details.add(database + ": " + outcome.detail());
			}
			results.add(new CheckResult(check.id(), check.title(), passed ? CheckStatus.PASSED : CheckStatus.FAILED,
					String.join("; ", details), Duration.between(start, clock.instant())));
		}
		SmokeQueryCheck smoke = new SmokeQueryCheck();
		Instant start = clock.instant();
		Outcome outcome = run(smoke, new VerificationContext(null, recovered.connection(manifest.source().database()),
				null, settings, psql));
		results
			.add(new CheckResult(smoke.id(), smoke.title(), outcome.passed() ? CheckStatus.PASSED : CheckStatus.FAILED,
					outcome.detail(), Duration.between(start, clock.instant())));
		return results;
	}

	private static Outcome run(VerificationCheck check, VerificationContext context) {
		try {
			return check.run(context);
		}
		catch (Exception ex) {
			return Outcome.fail("the check could not complete: " + ex.getMessage());
		}
	}

}
