package dev.redoubt.service.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No secret reaches a child process: every PostgreSQL program Redoubt starts during a
 * backup, a full restore, a table restore with a predicate and a verification runs
 * through a wrapper (via {@code REDOUBT_PG_BIN}) that records its command line and its
 * whole environment before starting the real program. Canary secrets (the database
 * password in the configuration and in {@code PGPASSWORD}, the S3 secret key, unrelated
 * secrets in {@code REDOUBT_*} and {@code AWS_*} variables, the master key) must appear
 * in none of them, nor in the verification reports, the debug log, or the message of a
 * malformed configuration.
 */
class ChildProcessSecretsIT {

	static final String PG_CANARY = "pg-canary-" + Long.toHexString(System.nanoTime());

	static final String S3_CANARY = "s3-canary-" + Long.toHexString(System.nanoTime());

	static final String ENV_CANARY = "env-canary-" + Long.toHexString(System.nanoTime());

	static final List<String> TOOLS = List.of("pg_dump", "psql", "pg_restore", "initdb", "pg_ctl", "pg_basebackup");

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension(Secret.of(PG_CANARY), List.of());

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension(Secret.of(S3_CANARY), "eu-west", "eu-central");

	@TempDir
	static Path work;

	static Path config;

	static Path keyFile;

	static Path toolLog;

	static Map<String, String> environment;

	@BeforeAll
	static void wrappedToolsAndCanaries() throws Exception {
		Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
		pg.createDatabase("shop");
		pg.sql("shop",
				"CREATE TABLE public.orders (id int PRIMARY KEY, note text);"
						+ " INSERT INTO public.orders SELECT g, 'n' || g FROM generate_series(1, 2000) g;"
						+ " SELECT lo_from_bytea(0, 'large object')");
		keyFile = work.resolve("master.key");
		RepositoryKeys.generateKeyFile(keyFile);
		toolLog = work.resolve("tools.log");
		Files.writeString(toolLog, "");
		Files.setPosixFilePermissions(toolLog, PosixFilePermissions.fromString("rw-rw-rw-"));
		Path wrappers = Files.createDirectories(work.resolve("bin"));
		Files.setPosixFilePermissions(wrappers, PosixFilePermissions.fromString("rwxr-xr-x"));
		for (String tool : TOOLS) {
			Path real = PgTools.find(tool, 15);
			Path wrapper = wrappers.resolve(tool);
			Files.writeString(wrapper, """
					#!/bin/sh
					{ printf 'TOOL %1$s'; for a in "$@"; do printf ' [%%s]' "$a"; done; printf '\\n'; \
					env | sed 's/^/ENV %1$s /'; } >> '%2$s'
					exec '%3$s' "$@"
					""".formatted(tool, toolLog, real));
			Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
		}
		Files.writeString(work.resolve("pg-password"), PG_CANARY + "\n");
		config = work.resolve("redoubt.yaml");
		Files.writeString(config,
				"""
						redoubt:
						  sources:
						    shop:
						      url: jdbc:postgresql://127.0.0.1:%1$d/shop
						      username: postgres
						      password-file: %2$s
						  repositories:
						    - { name: eu-west, endpoint: "%3$s", region: eu-west-1, bucket: %4$s, prefix: canary,
						        path-style: true, access-key: redoubt-test-access, secret-key: %5$s }
						    - { name: eu-central, endpoint: "%6$s", region: eu-central-1, bucket: %4$s, prefix: canary,
						        path-style: true, access-key: redoubt-test-access, secret-key: %5$s }
						  encryption:
						    key-file: %7$s
						  verification:
						    sandbox-directory: %8$s
						""".formatted(pg.cluster().port(), work.resolve("pg-password"), s3.region("eu-west").endpoint(),
						S3RegionsExtension.BUCKET, S3_CANARY, s3.region("eu-central").endpoint(), keyFile,
						work.resolve("sandboxes")));
		environment = new HashMap<>(Map.of("REDOUBT_PG_BIN", wrappers.toString(), "PGPASSWORD", PG_CANARY,
				"REDOUBT_CANARY_TOKEN", ENV_CANARY, "AWS_SECRET_ACCESS_KEY", ENV_CANARY, "PGSERVICE", ENV_CANARY));
	}

	@Test
	void noSecretReachesAChildProcessAReportTheDebugLogOrAConfigurationError() throws Exception {
		List<String> places = new ArrayList<>();
		Map<String, String> debug = new HashMap<>(environment);
		debug.put("LOGGING_LEVEL_ROOT", "DEBUG");
		CliProcess.Run backup = CliProcess.run(config, debug, List.of(), "backup", "--source", "shop", "--output",
				"json");
		places.add(expectSuccess(backup));
		History history = new History(pg, "shop", "shop");
		history.acknowledge(backup);
		ConnectionSpec target = pg.createDatabase("shop_restored");
		places.add(expectSuccess(CliProcess.run(config, environment, List.of(), "restore", "--source", "shop",
				"--backup", "latest", "--target", target.url())));
		places.add(expectSuccess(CliProcess.run(config, environment, List.of(), "restore", "--source", "shop",
				"--backup", "latest", "--table", "public.orders", "--where", "id < 10", "--into", "public.orders_first",
				"--target", pg.connection("shop").url())));
		Path reports = work.resolve("reports");
		// the local sandbox, also where a Docker engine answers: its initdb and pg_ctl
		// are
		// children too
		places.add(expectSuccess(CliProcess.run(config, environment, List.of(), "verify", "--source", "shop",
				"--backup", "latest", "--sandbox", "local", "--report", reports.toString())));
		try (Stream<Path> files = Files.list(reports)) {
			for (Path report : files.toList()) {
				places.add(report + "\n" + Files.readString(report));
			}
		}
		Path malformed = work.resolve("malformed.yaml");
		Files.writeString(malformed,
				Files.readString(config)
					.replace("password-file: " + work.resolve("pg-password"),
							"password: \"" + PG_CANARY + "\n      username: x: y"));
		CliProcess.Run bad = CliProcess.run(malformed, environment, List.of(), "backup", "--source", "shop");
		assertThat(bad.exit()).as(bad.all()).isEqualTo(3);
		assertThat(bad.err()).contains("malformed.yaml:");
		places.add(bad.all());

		String tools = Files.readString(toolLog, StandardCharsets.UTF_8);
		// the check can fail: every kind of child ran through a wrapper
		for (String tool : List.of("pg_dump", "psql", "pg_restore", "initdb", "pg_ctl")) {
			assertThat(tools).as(tool).containsPattern("TOOL " + tool + " \\[(?!--version)");
		}
		assertThat(tools).contains("TOOL pg_dump").contains("passfile=");
		places.add(tools);
		String kek = Files.readString(keyFile).trim();
		for (String place : places) {
			assertThat(place).doesNotContain(PG_CANARY, S3_CANARY, ENV_CANARY, kek);
		}
		assertThat(tools).doesNotContain("ENV pg_dump REDOUBT_", "ENV psql PGPASSWORD", "ENV pg_dump PGSERVICE");
		assertThat(history.check(config, "after the canary runs")).isEqualTo(1);
	}

	@Test
	void helpOfTheWalCommandsPrintsTheirPlaceholdersAndNoWarning() throws Exception {
		for (String command : List.of("wal-push", "wal-fetch", "wal-archiver")) {
			CliProcess.Run help = CliProcess.run(config, environment, List.of(), command, "--help");
			assertThat(help.exit()).as(help.all()).isZero();
			assertThat(help.all()).as(command).contains("%p").doesNotContain("WARN").doesNotContain("%%p");
		}
	}

	private static String expectSuccess(CliProcess.Run run) {
		assertThat(run.exit()).as(run.all()).isZero();
		return run.all();
	}

}
