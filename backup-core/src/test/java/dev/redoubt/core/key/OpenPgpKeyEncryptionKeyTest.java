package dev.redoubt.core.key;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.testing.OpenPgpTestKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenPgpKeyEncryptionKeyTest {

	static final String BACKUP = "20261121T190400Z-3fa2";

	@TempDir
	static Path dir;

	@BeforeAll
	static void keys() throws Exception {
		OpenPgpTestKeys.generate(dir, "alice", "alice-pass");
		OpenPgpTestKeys.generate(dir, "bob", "bob-pass");
		RepositoryKeys.generateKeyFile(dir.resolve("master"));
	}

	@Test
	void writerWithPublicKeysOnlyWrapsForEveryRecipientAndEachSecretKeyUnwraps() {
		RepositoryKeys writer = keys(List.of("alice", "bob"), null, null);
		byte[] dataKey = RepositoryKeys.newDataKey();

		WrappedDataKey wrapped = writer.keyEncryptionKey().wrap(dataKey, BACKUP);

		assertThat(wrapped.type()).isEqualTo("openpgp");
		assertThat(wrapped.keyIds()).hasSize(2);
		assertThat(keys(List.of(), "alice", "alice-pass").keyEncryptionKey().unwrap(wrapped, BACKUP))
			.isEqualTo(dataKey);
		assertThat(keys(List.of(), "bob", "bob-pass").keyEncryptionKey().unwrap(wrapped, BACKUP)).isEqualTo(dataKey);
		assertThatThrownBy(() -> writer.keyEncryptionKey().unwrap(wrapped, BACKUP))
			.isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.WRONG_KEY))
			.hasMessageContaining("this host holds no OpenPGP secret key");
	}

	@Test
	void aSecretKeyThatIsNotARecipientIsAWrongKey() {
		WrappedDataKey wrapped = keys(List.of("alice"), null, null).keyEncryptionKey()
			.wrap(RepositoryKeys.newDataKey(), BACKUP);

		assertThatThrownBy(() -> keys(List.of(), "bob", "bob-pass").keyEncryptionKey().unwrap(wrapped, BACKUP))
			.isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.WRONG_KEY))
			.hasMessageContaining("the configured secret key is none of them");
	}

	@Test
	void aWrongPassphraseIsAWrongKeyAndNeverShowsThePassphrase() {
		WrappedDataKey wrapped = keys(List.of("alice"), null, null).keyEncryptionKey()
			.wrap(RepositoryKeys.newDataKey(), BACKUP);

		assertThatThrownBy(() -> keys(List.of(), "alice", "not-alice-pass").keyEncryptionKey().unwrap(wrapped, BACKUP))
			.isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.WRONG_KEY))
			.hasMessageNotContaining("not-alice-pass");
	}

	private static RepositoryKeys keys(List<String> recipients, String secret, String passphrase) {
		return RepositoryKeys.fromKeyFile(dir.resolve("master"),
				new RepositoryKeys.OpenPgp(recipients.stream().map((r) -> dir.resolve(r + ".pub.asc")).toList(),
						(secret != null) ? dir.resolve(secret + ".sec.asc") : null,
						(passphrase != null) ? Secret.of(passphrase) : null));
	}

}
