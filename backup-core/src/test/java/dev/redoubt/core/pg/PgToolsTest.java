package dev.redoubt.core.pg;

import org.junit.jupiter.api.Test;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PgToolsTest {

	@Test
	void aMissingMajorVersionIsNamedWithThePackageToInstall() {
		assertThatThrownBy(() -> PgTools.findExact("initdb", 99)).isInstanceOfSatisfying(RedoubtException.class,
				(ex) -> {
					assertThat(ex.code()).isEqualTo(ErrorCode.SANDBOX_FAILED);
					assertThat(ex.getMessage()).contains("initdb of PostgreSQL 99 is not installed");
					assertThat(ex.hint()).contains("postgresql-99");
				});
	}

	@Test
	void theInstalledMajorVersionIsFound() {
		int major = PgTools.version(PgTools.find("initdb", 10)).major();
		assertThat(PgTools.version(PgTools.findExact("initdb", major)).major()).isEqualTo(major);
	}

}
