package dev.redoubt.service.config;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import dev.redoubt.core.secret.Secret;

/**
 * Everything under {@code redoubt.*}; each key is documented with its default in
 * {@code docs/configuration.md}. Secrets bind to {@link Secret}, so printing this object
 * never prints a password or key.
 *
 * @param sources databases to back up, by the name {@code --source} uses
 * @param repositories the regions every backup is written to
 * @param encryption the key material
 * @param backup tuning of logical backups
 * @param restore tuning of restores
 * @param verification where and how verifications run
 * @param service the long-lived service ({@code redoubt serve})
 */
@ConfigurationProperties("redoubt")
public record RedoubtProperties(Map<String, Source> sources, List<Region> repositories, Encryption encryption,
		Backup backup, Restore restore, Verification verification, Service service) {

	public RedoubtProperties {
		service = (service == null) ? new Service(null, null, null, null, null, null) : service;
		sources = (sources == null) ? Map.of() : sources;
		repositories = (repositories == null) ? List.of() : repositories;
		encryption = (encryption == null) ? new Encryption(null, null) : encryption;
		backup = (backup == null) ? new Backup(null, null, null, null, null) : backup;
		restore = (restore == null) ? new Restore(null) : restore;
		verification = (verification == null) ? new Verification(null, null) : verification;
	}

	/**
	 * Verification defaults.
	 *
	 * @param sandboxDirectory where local sandboxes are created (default: the temporary
	 * directory's {@code redoubt-sandboxes})
	 * @param jobs parallel sessions for the sandbox restore and the content hash
	 * (default: available processors)
	 */
	public record Verification(Path sandboxDirectory, Integer jobs) {
	}

	/**
	 * A database to back up.
	 *
	 * @param url JDBC URL, {@code jdbc:postgresql://host:port/database}
	 * @param username the role
	 * @param password its password
	 * @param passwordFile or a file holding it
	 * @param pgDump an explicit pg_dump program; by default the closest version found
	 * @param verify how backups of this source are verified
	 * @param databases more databases of the same cluster, each becoming a source named
	 * {@code <name>.<database>}; {@code all} discovers every database that accepts
	 * connections (templates excluded) when the service starts
	 * @param regions the repository regions this source is written to (default: all)
	 * @param schedules cron schedules of the service's jobs for this source
	 * @param retention which backups the service keeps
	 * @param drill the service's scheduled DR drills of this source
	 * @param refresh the service's scheduled refreshes of masked environments from this
	 * source's newest verified backup
	 */
	public record Source(String url, String username, Secret password, Path passwordFile, Path pgDump, Verify verify,
			List<String> databases, List<String> regions, Schedules schedules, Retention retention, Drill drill,
			Refresh refresh) {

		public Source {
			verify = (verify == null) ? new Verify(null, null, null, null) : verify;
			databases = (databases == null) ? List.of() : databases;
			regions = (regions == null) ? List.of() : regions;
			schedules = (schedules == null) ? new Schedules(null, null, null, null, null) : schedules;
			retention = (retention == null) ? new Retention(null, null, null, null, null, null) : retention;
			drill = (drill == null) ? new Drill(null, null, null, null, null, null) : drill;
		}

		/** The password, read from {@code password-file} if one is named. */
		public Optional<Secret> secret() throws IOException {
			return readSecret(this.password, this.passwordFile);
		}

		/**
		 * The same source for another database of its cluster; a base backup is of the
		 * whole cluster, so only the configured source schedules one.
		 */
		public Source forDatabase(String database) {
			String newUrl = dev.redoubt.core.pg.ConnectionSpec.urlWithDatabase(this.url, database);
			Schedules own = new Schedules(this.schedules.logical(), null, this.schedules.verify(),
					this.schedules.repoCheck(), this.schedules.retention());
			return new Source(newUrl, this.username, this.password, this.passwordFile, this.pgDump, this.verify,
					List.of(), this.regions, own, this.retention, null, null);
		}

	}

	/**
	 * The scheduled refreshes of a source's masked copies ({@code redoubt refresh} on a
	 * schedule): every environment in turn, from the newest verified backup.
	 *
	 * @param schedule Quartz cron expression
	 * @param maskKeyFile the masking key (at least 16 bytes of secret material)
	 * @param environments the databases refreshed, each with its policy
	 */
	public record Refresh(String schedule, Path maskKeyFile, List<Environment> environments) {

		public Refresh {
			environments = (environments == null) ? List.of() : environments;
		}

	}

	/**
	 * A masked copy's database.
	 *
	 * @param name what people call it ({@code qat}, {@code dev})
	 * @param url its JDBC URL; its server must allow the role {@code CREATE DATABASE}
	 * @param username the role (default: the source's)
	 * @param password the password (default: the source's)
	 * @param passwordFile or a file holding it
	 * @param mask the masking policy file
	 */
	public record Environment(String name, String url, String username, Secret password, Path passwordFile, Path mask) {

		public Optional<Secret> secret() throws IOException {
			return readSecret(this.password, this.passwordFile);
		}

	}

	/**
	 * Quartz cron expressions (seconds first: {@code 0 0 2 * * ?} is 02:00 every day) of
	 * a source's jobs; a job without one is not scheduled.
	 *
	 * @param logical logical backup; each is verified when it completes
	 * @param base physical base backup of the cluster
	 * @param verify verification of the newest backup
	 * @param repoCheck repository check of the source's objects in every region
	 * @param retention expiry by the source's retention policy
	 */
	public record Schedules(String logical, String base, String verify, String repoCheck, String retention) {
	}

	/**
	 * The service's DR drills of a source (a physical drill recovers the whole cluster,
	 * so only the configured source drills; the sources of its other databases do not).
	 *
	 * @param schedule Quartz cron expression; no drill is scheduled without one
	 * @param type {@code physical} (default) or {@code logical}
	 * @param rto the recovery time target, or none
	 * @param rpo the data loss target, or none
	 * @param loseRegions the regions declared lost in turn, one per drill (default: every
	 * region of the source, in order)
	 * @param canary physical drills: write and prove the canary rows
	 */
	public record Drill(String schedule, String type, java.time.Duration rto, java.time.Duration rpo,
			List<String> loseRegions, Boolean canary) {

		public Drill {
			loseRegions = (loseRegions == null) ? List.of() : loseRegions;
		}

	}

	/**
	 * Which backups to keep; a backup kept by any rule is kept. The newest verified
	 * backup, backups in progress and WAL that a kept base backup needs are always kept.
	 *
	 * @param keepLast the newest N backups (default 7)
	 * @param daily the newest backup of each of the last N days that have one (default 7)
	 * @param weekly the same per ISO week (default 4)
	 * @param monthly the same per month (default 12)
	 * @param yearly the same per year (default 0)
	 * @param grace objects no kept backup references but younger than this are never
	 * deleted: they may belong to a backup in flight (default 24h)
	 */
	public record Retention(Integer keepLast, Integer daily, Integer weekly, Integer monthly, Integer yearly,
			Duration grace) {
	}

	/**
	 * The long-lived service.
	 *
	 * @param metadata the database holding the Quartz cluster, the job repository and the
	 * catalog (default: an embedded H2 file database under {@code ./.redoubt})
	 * @param users API users; {@code serve} refuses to start without one
	 * @param clusterCheckinInterval how often a replica tells the others it is alive; one
	 * silent for this plus 7.5 s is presumed dead and its jobs recovered (default 7.5s)
	 * @param threads jobs one replica runs at once (default 4)
	 * @param verifyAfterBackup verify each backup the service takes (default true)
	 * @param walSpools WAL archiver spool directories by source, whose lag the service
	 * republishes
	 */
	public record Service(Metadata metadata, List<ApiUser> users, Duration clusterCheckinInterval, Integer threads,
			Boolean verifyAfterBackup, Map<String, Path> walSpools) {

		public Service {
			metadata = (metadata == null) ? new Metadata(null, null, null, null) : metadata;
			users = (users == null) ? List.of() : users;
			walSpools = (walSpools == null) ? Map.of() : walSpools;
		}

	}

	/**
	 * The metadata database.
	 *
	 * @param url JDBC URL ({@code jdbc:postgresql://...} in production)
	 * @param username its role
	 * @param password its password
	 * @param passwordFile or a file holding it (a mounted secret)
	 */
	public record Metadata(String url, String username, Secret password, Path passwordFile) {

		/** The password, read from {@code password-file} if one is named. */
		public Optional<Secret> secret() throws IOException {
			return readSecret(this.password, this.passwordFile);
		}

	}

	/**
	 * One API user.
	 *
	 * @param name user name (HTTP basic authentication)
	 * @param password password; there is no default
	 * @param passwordFile or a file holding it (a mounted secret)
	 * @param role {@code read} (list and inspect) or {@code write} (also trigger jobs)
	 */
	public record ApiUser(String name, Secret password, Path passwordFile, String role) {

		/** The password, read from {@code password-file} if one is named. */
		public Optional<Secret> secret() throws IOException {
			return readSecret(this.password, this.passwordFile);
		}

	}

	private static Optional<Secret> readSecret(Secret password, Path passwordFile) throws IOException {
		return (passwordFile != null) ? Optional.of(Secret.fromFile(passwordFile)) : Optional.ofNullable(password);
	}

	/**
	 * Verification of a source's backups.
	 *
	 * @param smokeQueries queries that must give their expected result on the restored
	 * data
	 * @param migrationsTable a migrations table to read the schema version from
	 * ({@code schema.table}), besides the Flyway, Liquibase and Rails tables found
	 * without configuration
	 * @param migrationsColumn the column holding the version in that table (default
	 * {@code version}); the largest value is the schema version
	 * @param sandbox {@code auto} (default: a container when a Docker engine answers,
	 * else local), {@code local} or {@code testcontainers}
	 */
	public record Verify(List<SmokeQuery> smokeQueries, String migrationsTable, String migrationsColumn,
			String sandbox) {

		public Verify {
			smokeQueries = (smokeQueries == null) ? List.of() : smokeQueries;
		}

	}

	/**
	 * A query run on the restored data.
	 *
	 * @param name its name in reports
	 * @param sql a query returning one row with one column
	 * @param expect the value expected, as text; when absent the query must return
	 * {@code true}
	 */
	public record SmokeQuery(String name, String sql, String expect) {
	}

	/**
	 * One region of the repository.
	 *
	 * @param name its name in messages and reports
	 * @param type {@code s3} (default) or {@code local}
	 * @param endpoint S3 endpoint; AWS's own when absent
	 * @param region signing region
	 * @param bucket bucket
	 * @param prefix key prefix inside the bucket
	 * @param pathStyle path-style bucket addressing
	 * @param accessKey access key id; the AWS default credentials chain when absent
	 * @param secretKey secret access key
	 * @param path directory of a {@code local} region
	 * @param objectLock S3 Object Lock retention of every object written to this region
	 */
	public record Region(String name, String type, URI endpoint, String region, String bucket, String prefix,
			Boolean pathStyle, Secret accessKey, Secret secretKey, Path path, ObjectLock objectLock) {

	}

	/**
	 * S3 Object Lock (the bucket must have it enabled).
	 *
	 * @param mode {@code GOVERNANCE} or {@code COMPLIANCE}
	 * @param retainFor how long each object stays locked after it is written
	 */
	public record ObjectLock(String mode, Duration retainFor) {
	}

	/**
	 * Key material.
	 *
	 * @param keyFile the 32-byte master key file
	 * @param openpgp OpenPGP recipients to wrap data keys for, and the secret key to read
	 */
	public record Encryption(Path keyFile, OpenPgp openpgp) {
	}

	/**
	 * OpenPGP keys.
	 *
	 * @param publicKeys recipients' public key files; backups are encrypted to all of
	 * them
	 * @param secretKey a secret key file to read backups with (not needed to write them)
	 * @param secretKeyPassphraseFile a file holding the secret key's passphrase
	 */
	public record OpenPgp(List<Path> publicKeys, Path secretKey, Path secretKeyPassphraseFile) {

		public OpenPgp {
			publicKeys = (publicKeys == null) ? List.of() : publicKeys;
		}

	}

	/**
	 * Logical backup tuning.
	 *
	 * @param workers parallel COPY sessions (default: available processors)
	 * @param chunkSize plaintext per chunk (default 32MB)
	 * @param compressionLevel zstd level (default 1)
	 * @param lockTimeout wait for table locks (default 30s)
	 * @param sharedChunks store a backup's chunks once for all backups of its source,
	 * uploading only those no kept backup holds (format 2, {@code docs/format.md};
	 * default true, false writes format 1: every backup's chunks its own)
	 */
	public record Backup(Integer workers, DataSize chunkSize, Integer compressionLevel, Duration lockTimeout,
			Boolean sharedChunks) {
	}

	/**
	 * Restore tuning.
	 *
	 * @param jobs parallel sessions (default: available processors)
	 */
	public record Restore(Integer jobs) {
	}

}
