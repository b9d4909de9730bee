package dev.redoubt.core.key;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A key file is born private, never overwritten, and refused when others may read it. */
class KeyFilePermissionsTest {

	@TempDir
	Path dir;

	@Test
	void aGeneratedKeyIsPrivateFromItsFirstMomentAndNeverOverwritten() throws Exception {
		Path key = this.dir.resolve("master.key");
		RepositoryKeys.generateKeyFile(key);
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
		String first = Files.readString(key);
		assertThatThrownBy(() -> RepositoryKeys.generateKeyFile(key))
			.isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
		assertThat(Files.readString(key)).isEqualTo(first);
		assertThat(RepositoryKeys.fromKeyFile(key)).isNotNull();
	}

	@Test
	void aKeyOthersCanReadOrWriteIsRefusedWithoutEchoingIt() throws Exception {
		Path key = this.dir.resolve("shared.key");
		RepositoryKeys.generateKeyFile(key);
		String secret = Files.readString(key).trim();
		for (String mode : new String[] { "rw-r--r--", "rw-r-----", "rw----rw-", "rw--w----" }) {
			Files.setPosixFilePermissions(key, PosixFilePermissions.fromString(mode));
			assertThatThrownBy(() -> RepositoryKeys.fromKeyFile(key)).as(mode)
				.isInstanceOfSatisfying(RedoubtException.class, (ex) -> {
					assertThat(ex.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
					assertThat(ex.describe()).contains("readable or writable by others")
						.contains("chmod 600")
						.doesNotContain(secret);
				});
		}
	}

	@Test
	void anEmptyOrUnreadableKeyFileIsAConfigurationError() throws Exception {
		Path empty = this.dir.resolve("empty.key");
		Files.createFile(empty, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
		Path directory = Files.createDirectory(this.dir.resolve("a-directory.key"),
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		for (Path key : new Path[] { empty, directory, this.dir.resolve("missing.key") }) {
			assertThatThrownBy(() -> RepositoryKeys.fromKeyFile(key)).as(key.toString())
				.isInstanceOfSatisfying(RedoubtException.class,
						(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.CONFIG_INVALID))
				.hasMessageContaining(key.toString());
		}
	}

}
