package dev.redoubt.service.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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
 */
@ConfigurationProperties("redoubt")
public record RedoubtProperties(Map<String, Source> sources, List<Region> repositories, Encryption encryption,
		Backup backup, Restore restore, Verification verification) {

	public RedoubtProperties {
		sources = (sources == null) ? Map.of() : sources;
		repositories = (repositories == null) ? List.of() : repositories;
		encryption = (encryption == null) ? new Encryption(null, null) : encryption;
		backup = (backup == null) ? new Backup(null, null, null, null) : backup;
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
	 */
	public record Source(String url, String username, Secret password, Path passwordFile, Path pgDump, Verify verify) {

		public Source {
			verify = (verify == null) ? new Verify(null, null, null, null) : verify;
		}

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
	 */
	public record Region(String name, String type, URI endpoint, String region, String bucket, String prefix,
			Boolean pathStyle, Secret accessKey, Secret secretKey, Path path) {
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
	 */
	public record Backup(Integer workers, DataSize chunkSize, Integer compressionLevel, Duration lockTimeout) {
	}

	/**
	 * Restore tuning.
	 *
	 * @param jobs parallel sessions (default: available processors)
	 */
	public record Restore(Integer jobs) {
	}

}
