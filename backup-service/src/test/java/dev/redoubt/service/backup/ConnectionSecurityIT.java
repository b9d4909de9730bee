package dev.redoubt.service.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.LibpqConnection;
import dev.redoubt.core.pg.LocalCluster;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.pg.ToolProcess;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreRequest;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;
import dev.redoubt.verify.DatabaseFingerprint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every libpq tool connects exactly where and how the JDBC URL says: a database name is
 * only a name (never more connection keywords), and TLS, several hosts and the target
 * server type reach pg_dump, the psql COPY streams and pg_restore. The server accepts TLS
 * connections only ({@code hostnossl ... reject}) and logs each connection, so the log
 * shows which tool connected with TLS.
 */
class ConnectionSecurityIT {

	static final Path CERTS = certificates();

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension(Secret.of("tls-" + Long.toHexString(System.nanoTime())),
			List.of("ssl=on", "ssl_cert_file=" + CERTS.resolve("server.crt"),
					"ssl_key_file=" + CERTS.resolve("server.key"), "hba_file=" + CERTS.resolve("pg_hba.conf"),
					"log_connections=on"));

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu-west", "eu-central");

	@TempDir
	static Path work;

	static RepositoryKeys keys;

	static String tls;

	@BeforeAll
	static void databases() throws IOException {
		RepositoryKeys.generateKeyFile(work.resolve("kek"));
		keys = RepositoryKeys.fromKeyFile(work.resolve("kek"));
		// a closed port first: the driver and every tool must move on to the next host
		// hostRecheckSeconds=0: the driver remembers a host that failed (the wrong-CA
		// case)
		// for 10 s by default, across connections of this JVM
		tls = "?sslmode=verify-full&sslrootcert=" + CERTS.resolve("ca.crt")
				+ "&targetServerType=primary&hostRecheckSeconds=0";
		pg.createDatabase("decoy");
		pg.sql("decoy", "CREATE TABLE public.decoy_secret (v text); INSERT INTO public.decoy_secret VALUES ('x')");
		for (String name : List.of("dbname=decoy application_name=x", "shop/x?sslmode=disable&a=b")) {
			pg.cluster().psql("postgres", "-c", "CREATE DATABASE \"" + name + "\"");
			pg.cluster()
				.psql(name, "-c", "CREATE TABLE public.real_rows (id int PRIMARY KEY);"
						+ " INSERT INTO public.real_rows SELECT generate_series(1, 1000)");
		}
	}

	@Test
	void aDatabaseNamedLikeAConnectionStringIsBackedUpAsItselfNotWhereItPoints() throws Exception {
		for (String name : List.of("dbname=decoy application_name=x", "shop/x?sslmode=disable&a=b")) {
			ConnectionSpec source = url(name);
			try (Repository repository = new Repository(s3.multiRegion("names"), keys)) {
				BackupId id = BackupId.parse(
						new LogicalBackup(repository, Clock.systemUTC()).run("named", source, settings()).backupId());
				Manifest manifest = repository.readManifest("named", id);
				assertThat(manifest.source().database()).isEqualTo(name);
				assertThat(manifest.tables()).extracting(TableEntry::name).as(name).containsExactly("real_rows");
				ConnectionSpec target = url("restored " + name);
				pg.cluster().psql("postgres", "-c", "CREATE DATABASE \"restored " + name + "\"");
				new RestoreEngine(repository, Clock.systemUTC())
					.restoreFull(RestoreRequest.full("named").backup(id).target(target).jobs(2).build());
				assertThat(DatabaseFingerprint.take(source).differences(DatabaseFingerprint.take(target))).isEmpty();
			}
		}
	}

	@Test
	void tlsAndSeveralHostsReachEveryToolAsTheyReachTheDriver() throws Exception {
		ConnectionSpec source = url("dbname=decoy application_name=x");
		try (Repository repository = new Repository(s3.multiRegion("tls"), keys)) {
			new LogicalBackup(repository, Clock.systemUTC()).run("tls", source, settings());
		}
		String log = Files.readString(pg.cluster().dataDirectory().getParent().resolve("server.log"));
		for (String tool : List.of("redoubt backup schema", "redoubt backup worker")) {
			assertThat(log).as(tool)
				.containsPattern("connection authorized: user=postgres database=dbname=decoy"
						+ " application_name=x application_name=" + tool + "[^\\n]* SSL enabled");
		}
		// the tools check the certificate as the URL asks: another CA is refused
		ConnectionSpec wrongCa = new ConnectionSpec(source.url().replace("ca.crt", "other-ca.crt"), "postgres",
				pg.password());
		assertThat(psql(wrongCa, "SELECT 1")).contains("certificate verify failed");
		assertThat(psql(source, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").strip()).isEqualTo("t");
		assertThatThrownBy(() -> {
			try (Repository repository = new Repository(s3.multiRegion("tls-wrong"), keys)) {
				new LogicalBackup(repository, Clock.systemUTC()).run("tls", wrongCa, settings());
			}
		}).isInstanceOf(RedoubtException.class);
	}

	/** The database on the cluster, reached through a closed port first, over TLS. */
	private static ConnectionSpec url(String database) {
		return new ConnectionSpec(ConnectionSpec.urlWithDatabase(
				"jdbc:postgresql://127.0.0.1:" + LocalCluster.freePort() + ",127.0.0.1:" + pg.cluster().port() + tls,
				database), "postgres", pg.password());
	}

	private static BackupSettings settings() {
		return new BackupSettings(2, 64 * 1024, 1, Duration.ofSeconds(10), null);
	}

	/**
	 * psql through the connection a backup gives its tools; its output, errors included.
	 */
	private static String psql(ConnectionSpec spec, String sql) {
		try (LibpqConnection libpq = LibpqConnection.prepare(spec, "test")) {
			return ToolProcess.run(List.of(PgTools.find("psql", 15).toString(), "-X", "-A", "-t", "--no-password",
					libpq.dbnameArgument(), "-c", sql), Map.of(), "psql");
		}
		catch (RedoubtException ex) {
			return ex.getMessage();
		}
	}

	/** A CA, a server certificate for 127.0.0.1 signed by it, another CA, an hba file. */
	private static Path certificates() {
		try {
			Path dir = Files.createTempDirectory("redoubt-tls-");
			Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
			List<List<String>> commands = new ArrayList<>();
			for (String ca : List.of("ca", "other-ca")) {
				commands.add(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca + ".key",
						"-out", ca + ".crt", "-days", "2", "-subj", "/CN=redoubt test " + ca));
			}
			commands.add(List.of("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
					"server.csr", "-subj", "/CN=127.0.0.1"));
			Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
			commands.add(List.of("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
					"-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.ext"));
			for (List<String> command : commands) {
				Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
				String output = new String(process.getInputStream().readAllBytes());
				if (process.waitFor() != 0) {
					throw new IllegalStateException(command + ": " + output);
				}
			}
			Files.writeString(dir.resolve("pg_hba.conf"), """
					local all all trust
					hostssl all all 127.0.0.1/32 scram-sha-256
					hostnossl all all 0.0.0.0/0 reject
					""");
			for (String file : List.of("server.key", "server.crt", "ca.crt", "other-ca.crt", "pg_hba.conf")) {
				ToolProcess.handToServerUser(dir.resolve(file));
			}
			Files.setPosixFilePermissions(dir.resolve("server.key"), PosixFilePermissions.fromString("rw-------"));
			return dir;
		}
		catch (IOException | InterruptedException ex) {
			throw new IllegalStateException("cannot make the test certificates", ex);
		}
	}

}
