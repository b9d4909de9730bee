package dev.redoubt.core.pg;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.secret.Secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectionSpecTest {

	/** A generated password with the two characters a password file escapes. */
	static final String PASSWORD = "p:" + Long.toHexString(System.nanoTime()) + "\\w";

	static final ConnectionSpec BASE = new ConnectionSpec("jdbc:postgresql://db1.example:5433/app?sslmode=verify-full",
			"backup", Secret.of(PASSWORD));

	@Test
	void aDatabaseNameIsAlwaysJustANameForTheDriverAndForLibpq() {
		for (String name : List.of("host=other.example dbname=x", "x?socketFactory=java.lang.String&sslmode=disable",
				"a/b", "100% sure", "a+b c", "#frag", "it's \"quoted\" \\ back", "Ünïcødé ☃", "dbname='x' port=1")) {
			ConnectionSpec spec = BASE.withDatabase(name);
			assertThat(spec.database()).as(name).isEqualTo(name);
			assertThat(spec.hosts()).as(name).containsExactly("db1.example");
			assertThat(spec.libpqKeywords()).as(name)
				.containsEntry("dbname", name)
				.containsEntry("host", "db1.example")
				.containsEntry("port", "5433")
				.containsEntry("sslmode", "verify-full")
				.doesNotContainKey("sslfactory");
			try (LibpqConnection libpq = LibpqConnection.prepare(spec, "test")) {
				assertThat(libpq.conninfo()).as(name)
					.contains("dbname=" + ConnectionSpec.conninfoValue(name) + " ")
					.contains("host='db1.example'");
			}
		}
		assertThat(ConnectionSpec.conninfoValue("it's a \\ test")).isEqualTo("'it\\'s a \\\\ test'");
	}

	@Test
	void everyHostTlsSettingAndTargetReachLibpq() {
		ConnectionSpec spec = new ConnectionSpec(
				"jdbc:postgresql://10.0.0.1:5432,[::1]:5433,db3/app?ssl=true&sslrootcert=/etc/ca.crt"
						+ "&sslcert=/etc/c.crt&sslkey=/etc/c.key&targetServerType=primary&connectTimeout=7",
				"u", null);
		assertThat(spec.hosts()).containsExactly("10.0.0.1", "::1", "db3");
		assertThat(spec.libpqKeywords()).containsEntry("host", "10.0.0.1,::1,db3")
			.containsEntry("port", "5432,5433,5432")
			.containsEntry("sslmode", "verify-full")
			.containsEntry("sslrootcert", "/etc/ca.crt")
			.containsEntry("sslcert", "/etc/c.crt")
			.containsEntry("sslkey", "/etc/c.key")
			.containsEntry("target_session_attrs", "primary")
			.containsEntry("connect_timeout", "7");
		assertThat(
				new ConnectionSpec("jdbc:postgresql://h/d?targetServerType=preferSecondary", "u", null).libpqKeywords())
			.containsEntry("target_session_attrs", "prefer-standby");
	}

	@Test
	void jdbcOnlyWaysToReachOrTrustTheServerAreRefused() {
		for (String url : List.of("jdbc:postgresql://h/d?sslfactory=org.postgresql.ssl.NonValidatingFactory",
				"jdbc:postgresql://h/d?socketFactory=x.Y", "jdbc:postgresql://h/d?sslhostnameverifier=x.Y",
				"jdbc:postgresql://h/d?sslmode=sometimes", "jdbc:postgresql://h/d?targetServerType=preferPrimary")) {
			assertThatThrownBy(() -> new ConnectionSpec(url, "u", null).libpqKeywords()).as(url)
				.isInstanceOfSatisfying(RedoubtException.class,
						(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.CONFIG_INVALID));
		}
		assertThatThrownBy(() -> new ConnectionSpec("jdbc:postgresql://h/d?sslpassword=x", "u", null))
			.isInstanceOf(RedoubtException.class);
	}

	@Test
	void thePasswordGoesInAPrivateFileRemovedAfterwards() throws Exception {
		Path passfile;
		try (LibpqConnection libpq = LibpqConnection.prepare(BASE, "test")) {
			assertThat(libpq.dbnameArgument()).doesNotContain(PASSWORD.substring(2, 10));
			String conninfo = libpq.conninfo();
			passfile = Path.of(conninfo.replaceAll(".*passfile='([^']*)'.*", "$1"));
			assertThat(Files.readString(passfile))
				.isEqualTo("*:*:*:*:" + PASSWORD.replace("\\", "\\\\").replace(":", "\\:") + "\n");
			assertThat(Files.readString(passfile)).startsWith("*:*:*:*:p\\:").endsWith("\\\\w\n");
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passfile))).isEqualTo("rw-------");
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passfile.getParent())))
				.isEqualTo("rwx------");
		}
		assertThat(passfile).doesNotExist();
		assertThat(passfile.getParent()).doesNotExist();
	}

	@Test
	void aChildInheritsNoSecretAndNoLibpqSetting() {
		Map<String, String> environment = new HashMap<>(Map.of("PATH", "/usr/bin", "LANG", "C.UTF-8", "TZ", "UTC",
				"PGPASSWORD", "x", "PGHOST", "evil", "PGSERVICE", "s", "REDOUBT_SOURCES_A_PASSWORD", "x",
				"AWS_SECRET_ACCESS_KEY", "x", "SPRING_DATASOURCE_PASSWORD", "x"));
		ToolProcess.childEnvironment(environment);
		assertThat(environment).containsOnlyKeys("PATH", "LANG", "TZ");
		assertThat(ToolProcess.builder(List.of("true")).environment().keySet())
			.allMatch((key) -> List
				.of("PATH", "HOME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_COLLATE", "LC_NUMERIC",
						"LC_TIME", "LC_MONETARY", "TZ", "TMPDIR", "USER", "LOGNAME")
				.contains(key));
	}

}
