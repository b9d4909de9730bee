package dev.redoubt.core.manifest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.key.WrappedDataKey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManifestCodecTest {

	@TempDir
	Path dir;

	@Test
	void decodesWhatItEncodedAndVerifiesTheSignature() throws Exception {
		RepositoryKeys keys = keys("a");
		byte[] encoded = ManifestCodec.encode(manifest(keys), keys.signingKey());

		Manifest decoded = ManifestCodec.decode(encoded, keys.signingKey(), "manifest");

		assertThat(decoded).isEqualTo(manifest(keys).withDataKey(decoded.dataKey()));
		assertThat(new String(encoded, StandardCharsets.UTF_8)).contains("\nredoubt-signature: ed25519 ");
	}

	@Test
	void refusesAChangedManifest() throws Exception {
		RepositoryKeys keys = keys("a");
		String text = new String(ManifestCodec.encode(manifest(keys), keys.signingKey()), StandardCharsets.UTF_8);
		byte[] changed = text.replace("\"rows\" : 7", "\"rows\" : 8").getBytes(StandardCharsets.UTF_8);

		assertThatThrownBy(() -> ManifestCodec.decode(changed, keys.signingKey(), "manifest of backup x"))
			.isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.SIGNATURE_INVALID))
			.hasMessageContaining("manifest of backup x does not match its signature");
	}

	@Test
	void refusesAnUnknownFormatVersionBeforeCheckingTheSignature() throws Exception {
		RepositoryKeys keys = keys("a");
		String text = new String(ManifestCodec.encode(manifest(keys), keys.signingKey()), StandardCharsets.UTF_8);
		byte[] future = text.replace("\"formatVersion\" : 1", "\"formatVersion\" : 3").getBytes(StandardCharsets.UTF_8);

		assertThatThrownBy(() -> ManifestCodec.decode(future, keys.signingKey(), "manifest"))
			.isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT_VERSION))
			.hasMessageContaining("format version 3; this build of redoubt reads versions 1 to 2");
	}

	@Test
	void reportsAnotherKeyAsWrongKeyNotAsTampering() throws Exception {
		RepositoryKeys writer = keys("a");
		RepositoryKeys reader = keys("b");
		byte[] encoded = ManifestCodec.encode(manifest(writer), writer.signingKey());

		assertThatThrownBy(() -> ManifestCodec.decode(encoded, reader.signingKey(), "manifest")).isInstanceOfSatisfying(
				RedoubtException.class, (ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.WRONG_KEY));
		assertThatThrownBy(() -> reader.keyEncryptionKey()
			.unwrap(writer.keyEncryptionKey().wrap(new byte[32], "20261121T190400Z-3fa2"), "20261121T190400Z-3fa2"))
			.isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.WRONG_KEY));
	}

	private RepositoryKeys keys(String name) throws Exception {
		Path file = this.dir.resolve(name);
		if (!Files.exists(file)) {
			RepositoryKeys.generateKeyFile(file);
		}
		return RepositoryKeys.fromKeyFile(file);
	}

	private static Manifest manifest(RepositoryKeys keys) {
		ChunkRef chunk = new ChunkRef("s/backups/b/chunks/ab", "ab", 7, 100, 80, "00", List.of("zstd", "aes"), "1", "7",
				"xxh64sum:0000000000000001");
		WrappedDataKey key = keys.keyEncryptionKey().wrap(new byte[32], "20261121T190400Z-3fa2");
		return new Manifest(1, "20261121T190400Z-3fa2", "logical", Instant.parse("2026-11-21T19:04:00Z"),
				Instant.parse("2026-11-21T19:05:00Z"),
				new Manifest.SourceIdentity("main", "7000000000000000001", "15.18", 150018, "app"),
				new Manifest.Snapshot("0/16B3748", Instant.parse("2026-11-21T19:04:01Z")), key, chunk,
				List.of(new TableEntry("public", "t", "permanent", null, List.of("id"), "id", 7,
						"xxh64sum:0000000000000001", List.of(chunk))),
				List.of(new Manifest.SequenceEntry("public", "s", 3, true)), new Manifest.LargeObjects(0, List.of()),
				List.of(), new Manifest.Tools("15.18"),
				new Manifest.SchemaVersion("public.flyway_schema_history", "flyway", "42"));
	}

}
