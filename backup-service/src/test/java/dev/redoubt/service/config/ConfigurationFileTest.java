package dev.redoubt.service.config;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The configuration fails closed: a missing named file, a YAML error, a key given twice,
 * an unknown key and a malformed value are errors naming file, line, column and key, and
 * never echo a value.
 */
class ConfigurationFileTest {

	static final String SECRET = "canary-" + Long.toHexString(System.nanoTime());

	@TempDir
	Path dir;

	@Test
	void aMissingNamedFileIsAnErrorAndTheDefaultMayBeAbsent() {
		assertThatThrownBy(() -> ConfigurationFile.check(this.dir.resolve("nope.yaml"), true))
			.isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.CONFIG_INVALID))
			.hasMessageContaining("nope.yaml does not exist");
		assertThatCode(() -> ConfigurationFile.check(this.dir.resolve("redoubt.yaml"), false))
			.doesNotThrowAnyException();
	}

	@Test
	void malformedYamlNamesFileLineAndColumnWithoutTheLine() throws Exception {
		for (String yaml : new String[] { "redoubt:\n  sources:\n    shop:\n      password: \"" + SECRET + "\n",
				"redoubt:\n  sources:\n    shop:\n      password: " + SECRET + ": x: y\n",
				"redoubt:\n\tsources: {password: " + SECRET + "}\n",
				"redoubt:\n  sources:\n    shop:\n      password: " + SECRET + "\n      password: other\n" }) {
			Path file = write(yaml);
			assertThatThrownBy(() -> ConfigurationFile.check(file, true)).as(yaml)
				.isInstanceOfSatisfying(RedoubtException.class, (ex) -> {
					assertThat(ex.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
					assertThat(ex.describe()).contains(file + ":").doesNotContain(SECRET);
					assertThat(ex.describe()).containsPattern(":[0-9]+:[0-9]+: ");
				});
		}
	}

	@Test
	void unknownKeysAndMalformedValuesAreAllNamedAtOnce() throws Exception {
		Path file = write("""
				redoubt:
				  sources:
				    shop:
				      url: jdbc:postgresql://db/shop
				      pasword: %s
				      retention:
				        keep-lst: 7
				        keepLast: many
				        grace: %s
				  backup:
				    chunk-size: huge
				    workers: 2
				  repositories:
				    - name: eu
				      bucket: b
				      secret-kee: %s
				  encryption:
				    key-file: /k
				spring:
				  datasource:
				    url: jdbc:h2:mem:x
				redoubtt:
				  x: 1
				""".formatted(SECRET, SECRET, SECRET));
		assertThatThrownBy(() -> ConfigurationFile.check(file, true)).isInstanceOfSatisfying(RedoubtException.class,
				(ex) -> {
					String message = ex.describe();
					assertThat(message).doesNotContain(SECRET)
						.contains("7 problem(s)")
						.contains(file + ":5:7: unknown key redoubt.sources.shop.pasword (did you mean password?)")
						.contains(file
								+ ":7:9: unknown key redoubt.sources.shop.retention.keep-lst (did you mean keep-last?)")
						.contains(file + ":8:19: redoubt.sources.shop.retention.keepLast must be a whole number")
						.contains(file + ":9:16: redoubt.sources.shop.retention.grace must be a duration")
						.contains(file + ":11:17: redoubt.backup.chunk-size must be a size")
						.contains(file
								+ ":16:7: unknown key redoubt.repositories[0].secret-kee (did you mean secret-key?)")
						.contains(file + ":22:1: unknown section 'redoubtt'");
				});
	}

	@Test
	void theShippedExamplesAreClean() {
		for (String example : new String[] { "local-demo.yaml", "production-two-regions.yaml" }) {
			Path file = Path.of("..", "config", example);
			assertThatCode(() -> ConfigurationFile.check(file, true)).as(example).doesNotThrowAnyException();
		}
	}

	private Path write(String yaml) throws Exception {
		Path file = Files.createTempFile(this.dir, "redoubt", ".yaml");
		Files.writeString(file, yaml);
		return file;
	}

}
