package dev.redoubt.core.store;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.local.LocalStore;
import dev.redoubt.core.store.s3.S3Store;
import dev.redoubt.core.store.s3.S3StoreConfig;
import dev.redoubt.testing.S3RegionsExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One contract, every {@link ObjectStore}: S3 through a real S3 API server, and local
 * files.
 */
class ObjectStoreContractIT {

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("contract");

	@TempDir
	static Path dir;

	static Stream<String> kinds() {
		return Stream.of("s3", "local");
	}

	private static ObjectStore store(String kind, String prefix) {
		return kind.equals("s3") ? new S3Store(s3.config("contract", prefix))
				: new LocalStore("local", dir.resolve(prefix));
	}

	@ParameterizedTest
	@MethodSource("kinds")
	void createsReadsListsAndDeletes(String kind) {
		ObjectStore store = store(kind, "crud");
		byte[] data = "0123456789".getBytes(StandardCharsets.UTF_8);

		store.create("x/one", data);
		store.create("x/two", data, 2, 3);
		store.create("y/three", data);

		assertThat(store.read("x/one")).hasValue(data);
		assertThat(store.read("x/two")).hasValueSatisfying((b) -> assertThat(b).isEqualTo("234".getBytes()));
		assertThat(store.read("x/one", 3, 4)).hasValueSatisfying((b) -> assertThat(b).isEqualTo("3456".getBytes()));
		assertThat(store.head("x/one")).hasValue(new ObjectInfo("x/one", 10));
		assertThat(store.list("x/")).extracting(ObjectInfo::key).containsExactly("x/one", "x/two");
		store.create("x/sub/deep/four", data);
		assertThat(store.listChildren("")).containsExactly("x", "y");
		assertThat(store.listChildren("x/")).containsExactly("sub");
		assertThat(store.listChildren("nothing/")).isEmpty();
		store.delete("x/one");
		store.delete("x/never-existed");
		assertThat(store.read("x/one")).isEmpty();
		assertThat(store.head("x/one")).isEmpty();
	}

	@ParameterizedTest
	@MethodSource("kinds")
	void refusesToOverwriteAnObject(String kind) {
		ObjectStore store = store(kind, "create-only");
		store.create("k", "first".getBytes());

		assertThatThrownBy(() -> store.create("k", "second".getBytes()))
			.isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.OBJECT_EXISTS))
			.hasMessageContaining("object k already exists in region");
		assertThat(store.read("k")).hasValue("first".getBytes());
	}

	@ParameterizedTest
	@MethodSource("kinds")
	void reportsMissingObjectsAsEmpty(String kind) {
		ObjectStore store = store(kind, "missing");

		assertThat(store.read("nope")).isEmpty();
		assertThat(store.read("nope", 0, 10)).isEmpty();
		assertThat(store.list("nope/")).isEmpty();
	}

	@org.junit.jupiter.api.Test
	void namesTheRegionWhenItIsUnreachableOrRefusesTheCredentials() {
		S3StoreConfig good = s3.config("contract", "errors");
		S3Store unreachable = new S3Store(new S3StoreConfig("nowhere", URI.create("http://127.0.0.1:9"), "us-east-1",
				good.bucket(), "p", true, good.accessKey(), good.secretKey()));
		S3Store denied = new S3Store(new S3StoreConfig("denied", good.endpoint(), "us-east-1", good.bucket(), "p", true,
				good.accessKey(), Secret.of("not-the-secret")));

		assertThatThrownBy(() -> unreachable.read("k"))
			.isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.REGION_UNREACHABLE))
			.hasMessageContaining("region nowhere");
		assertThatThrownBy(() -> denied.read("k"))
			.isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.REGION_ACCESS_DENIED))
			.hasMessageContaining("region denied")
			.hasMessageNotContaining("not-the-secret");
	}

	@org.junit.jupiter.api.Test
	void multiRegionReadFallsBackPerObject() {
		ObjectStore first = store("local", "fallback-a");
		ObjectStore second = store("s3", "fallback-b");
		MultiRegionStore both = new MultiRegionStore(List.of(first, second));
		both.createEverywhere("obj", "good".getBytes(), 4);
		first.delete("obj");
		first.create("obj", "evil".getBytes());

		String read = both.readFirstHealthy("obj", (region, bytes) -> {
			if (!new String(bytes).equals("good")) {
				throw new RedoubtException(ErrorCode.CORRUPT_OBJECT, "bad copy in " + region.name());
			}
			return new String(bytes) + "@" + region.name();
		}).orElseThrow();

		assertThat(read).isEqualTo("good@contract");
	}

}
