package dev.redoubt.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.MultiRegionStore;
import dev.redoubt.core.store.ObjectStore;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.core.store.s3.EmbeddedS3Region;
import dev.redoubt.core.store.s3.S3Store;
import dev.redoubt.core.store.s3.S3StoreConfig;

/**
 * Starts one real S3 API server (S3Proxy) per named region for a test class, each on its
 * own port with its own directory, and stops them afterwards.
 */
public final class S3RegionsExtension implements BeforeAllCallback, AfterAllCallback {

	public static final String BUCKET = "redoubt-test";

	private final List<String> names;

	private final String accessKey;

	private final Secret secretKey;

	private final Map<String, EmbeddedS3Region> regions = new LinkedHashMap<>();

	private Path root;

	public S3RegionsExtension(String... names) {
		this(Secret.of("s3-secret-" + Long.toHexString(System.nanoTime())), names);
	}

	public S3RegionsExtension(Secret secretKey, String... names) {
		this.names = List.of(names);
		this.accessKey = "redoubt-test-access";
		this.secretKey = secretKey;
	}

	@Override
	public void beforeAll(ExtensionContext context) throws IOException {
		this.root = Files.createTempDirectory("redoubt-s3-");
		for (String name : this.names) {
			this.regions.put(name,
					EmbeddedS3Region.start(name, BUCKET, this.root.resolve(name), this.accessKey, this.secretKey));
		}
	}

	@Override
	public void afterAll(ExtensionContext context) {
		this.regions.values().forEach(EmbeddedS3Region::close);
		DirectoryTree.delete(this.root);
	}

	public EmbeddedS3Region region(String name) {
		return this.regions.get(name);
	}

	public List<EmbeddedS3Region> regions() {
		return new ArrayList<>(this.regions.values());
	}

	/**
	 * The regions' secret key. (A region is taken down with a {@link FaultProxy} in front
	 * of it, not by stopping it: a stopped server's port may be taken before it
	 * restarts.)
	 */
	public Secret secretKey() {
		return this.secretKey;
	}

	public S3StoreConfig config(String name, String prefix) {
		return this.regions.get(name).storeConfig(prefix);
	}

	/** One S3 store per region, all with the same key prefix. */
	public MultiRegionStore multiRegion(String prefix) {
		List<ObjectStore> stores = new ArrayList<>();
		for (EmbeddedS3Region region : this.regions.values()) {
			stores.add(new S3Store(region.storeConfig(prefix)));
		}
		return new MultiRegionStore(stores);
	}

	/**
	 * Directory holding a region's objects under {@code prefix} (S3Proxy maps keys to
	 * files).
	 */
	public Path objectDirectory(String name, String prefix) {
		return this.regions.get(name).directory().resolve(BUCKET).resolve(prefix);
	}

	/**
	 * The files of a region's objects under {@code prefix}, sorted; none if it holds
	 * none.
	 */
	public List<Path> objectFiles(String name, String prefix) throws IOException {
		Path root = objectDirectory(name, prefix);
		if (!Files.exists(root)) {
			return List.of();
		}
		try (java.util.stream.Stream<Path> files = Files.walk(root)) {
			return files.filter(Files::isRegularFile).sorted().toList();
		}
	}

}
