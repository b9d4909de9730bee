package dev.redoubt.service.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.LocalCluster;
import dev.redoubt.core.sample.SampleDatabase;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.core.store.s3.EmbeddedS3Region;
import dev.redoubt.service.config.RedoubtProperties;

/**
 * Everything the demo runs against, started in a temporary directory and removed by
 * {@link #close()}: a PostgreSQL cluster holding the sample database {@code shop}, two S3
 * regions, a fresh key file, and the configuration that points at them.
 */
public final class DemoEnvironment implements AutoCloseable {

	public static final String SOURCE = "shop";

	private final Path work;

	private LocalCluster cluster;

	private EmbeddedS3Region west;

	private EmbeddedS3Region central;

	private RedoubtProperties properties;

	private DemoEnvironment(Path work) {
		this.work = work;
	}

	public static DemoEnvironment start(Path work) throws IOException {
		DemoEnvironment environment = new DemoEnvironment(work);
		try {
			environment.startAll();
			return environment;
		}
		catch (RuntimeException | IOException ex) {
			environment.close();
			throw ex;
		}
	}

	private void startAll() throws IOException {
		Secret pgPassword = Secret.of(random());
		this.cluster = LocalCluster.start(this.work.resolve("postgres"), 10, pgPassword, List.of());
		SampleDatabase.create(this.cluster, SOURCE, this.work.resolve("scratch"));
		Secret s3Secret = Secret.of(random());
		this.west = EmbeddedS3Region.start("eu-west", "redoubt-demo", this.work.resolve("s3-eu-west"), "demo",
				s3Secret);
		this.central = EmbeddedS3Region.start("eu-central", "redoubt-demo", this.work.resolve("s3-eu-central"), "demo",
				s3Secret);
		Path keyFile = this.work.resolve("master.key");
		RepositoryKeys.generateKeyFile(keyFile);
		ConnectionSpec source = this.cluster.connection(SOURCE);
		this.properties = new RedoubtProperties(
				Map.of(SOURCE,
						new RedoubtProperties.Source(source.url(), source.username(), pgPassword, null, null, null,
								null, null, null, null, null, null)),
				List.of(region(this.west), region(this.central)), new RedoubtProperties.Encryption(keyFile, null), null,
				null, null, null);
	}

	private static RedoubtProperties.Region region(EmbeddedS3Region region) {
		var config = region.storeConfig("demo");
		return new RedoubtProperties.Region(region.name(), "s3", config.endpoint(), config.region(), config.bucket(),
				config.prefix(), true, config.accessKey(), config.secretKey(), null, null);
	}

	private static String random() {
		byte[] bytes = new byte[12];
		new SecureRandom().nextBytes(bytes);
		return HexFormat.of().formatHex(bytes);
	}

	public RedoubtProperties properties() {
		return this.properties;
	}

	public LocalCluster cluster() {
		return this.cluster;
	}

	public Path work() {
		return this.work;
	}

	public List<EmbeddedS3Region> regions() {
		return List.of(this.west, this.central);
	}

	/** Creates an empty database in the demo cluster. */
	public ConnectionSpec createDatabase(String name) {
		this.cluster.psql("postgres", "-c", "CREATE DATABASE " + name);
		return this.cluster.connection(name);
	}

	@Override
	public void close() {
		if (this.west != null) {
			this.west.close();
		}
		if (this.central != null) {
			this.central.close();
		}
		if (this.cluster != null) {
			this.cluster.close();
		}
		DirectoryTree.delete(this.work);
	}

}
