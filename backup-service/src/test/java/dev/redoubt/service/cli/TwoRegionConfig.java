package dev.redoubt.service.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

/**
 * The configuration most CLI tests write: one source on the test cluster (its password in
 * a file), regions {@code eu} and {@code us} under one prefix, a fresh master key, and a
 * sandbox directory the server user can reach.
 */
final class TwoRegionConfig {

	private TwoRegionConfig() {
	}

	/**
	 * Writes {@code work/redoubt.yaml}; {@code extra} is appended under {@code redoubt:}
	 * (two spaces of indent), or empty.
	 */
	static Path write(Path work, PostgresExtension pg, S3RegionsExtension s3, String source, String database,
			String prefix, String extra) throws Exception {
		// the sandbox's server (as postgres when we are root) reaches its directory
		Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
		Path keyFile = work.resolve("master.key");
		RepositoryKeys.generateKeyFile(keyFile);
		Path password = work.resolve("pg-password");
		Files.writeString(password, pg.password().reveal() + "\n");
		Path config = work.resolve("redoubt.yaml");
		Files.writeString(config, """
				redoubt:
				  sources:
				    %9$s:
				      url: jdbc:postgresql://127.0.0.1:%1$d/%10$s
				      username: postgres
				      password-file: %2$s
				  repositories:
				    - { name: eu, endpoint: "%3$s", region: eu-west-1, bucket: %4$s, prefix: %11$s, path-style: true,
				        access-key: redoubt-test-access, secret-key: %5$s }
				    - { name: us, endpoint: "%6$s", region: us-east-1, bucket: %4$s, prefix: %11$s, path-style: true,
				        access-key: redoubt-test-access, secret-key: %5$s }
				  encryption:
				    key-file: %7$s
				  verification:
				    sandbox-directory: %8$s
				""".formatted(pg.cluster().port(), password, s3.region("eu").endpoint(), S3RegionsExtension.BUCKET,
				s3.secretKey().reveal(), s3.region("us").endpoint(), keyFile, work.resolve("sandboxes"), source,
				database, prefix) + extra);
		return config;
	}

}
