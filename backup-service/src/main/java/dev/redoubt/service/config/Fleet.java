package dev.redoubt.service.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Component;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.MultiRegionStore;
import dev.redoubt.core.store.ObjectStore;
import dev.redoubt.core.store.local.LocalStore;
import dev.redoubt.core.store.s3.S3Store;
import dev.redoubt.core.store.s3.S3StoreConfig;
import dev.redoubt.service.backup.BackupSettings;
import dev.redoubt.verify.check.VerifySettings;
import dev.redoubt.restore.sandbox.LocalSandbox;
import dev.redoubt.restore.sandbox.SandboxKind;

/**
 * The configured sources and repository, validated on first use with every problem
 * reported at once. The demo swaps in its own embedded configuration.
 */
@Component
public class Fleet {

	private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Fleet.class);

	private volatile RedoubtProperties properties;

	/** Databases found for sources with {@code databases: all}, by source name. */
	private final Map<String, List<String>> discovered = new java.util.concurrent.ConcurrentHashMap<>();

	public Fleet(RedoubtProperties properties) {
		this.properties = properties;
	}

	/** Replaces the configuration (the demo's embedded servers). */
	public void configure(RedoubtProperties properties) {
		this.properties = properties;
		this.discovered.clear();
		this.checked = null;
	}

	/**
	 * Every source by name: each configured one, and one per database it lists (or
	 * discovered, see {@link #discover}), named {@code <source>.<database>}.
	 */
	public Map<String, RedoubtProperties.Source> sources() {
		Map<String, RedoubtProperties.Source> sources = new java.util.TreeMap<>();
		for (Map.Entry<String, RedoubtProperties.Source> entry : this.properties.sources().entrySet()) {
			sources.put(entry.getKey(), entry.getValue());
			for (String database : databasesOf(entry.getKey(), entry.getValue())) {
				sources.putIfAbsent(entry.getKey() + "." + database, entry.getValue().forDatabase(database));
			}
		}
		return sources;
	}

	private List<String> databasesOf(String name, RedoubtProperties.Source source) {
		if (source.databases().contains(SourceDatabases.ALL)) {
			return this.discovered.getOrDefault(name, List.of());
		}
		return source.databases();
	}

	/**
	 * Connects to each source with {@code databases: all} and lists its cluster's
	 * databases; a source that cannot be reached is a problem, reported with the others.
	 */
	public List<String> discover() {
		List<String> problems = new ArrayList<>();
		for (Map.Entry<String, RedoubtProperties.Source> entry : this.properties.sources().entrySet()) {
			if (!entry.getValue().databases().contains(SourceDatabases.ALL)) {
				continue;
			}
			try {
				ConnectionSpec cluster = source(entry.getKey());
				List<String> databases = new ArrayList<>();
				for (String database : SourceDatabases.list(cluster)) {
					if (database.equals(cluster.database())) {
						continue;
					}
					if (!FleetRules.isName(database)) {
						// the name becomes part of a source name and of object keys; the
						// connection itself would be safe (keyword/value pairs), the
						// layout not
						log.warn("redoubt.sources.{}.databases: database {} is not backed up by 'all': only letters,"
								+ " digits, '_', '.' and '-' can name a source; back it up as a source of its own",
								entry.getKey(), ConnectionSpec.conninfoValue(database));
						continue;
					}
					databases.add(database);
				}
				this.discovered.put(entry.getKey(), databases);
			}
			catch (RuntimeException ex) {
				problems.add("redoubt.sources." + entry.getKey() + ".databases: cannot discover the databases: "
						+ ex.getMessage());
			}
		}
		return problems;
	}

	public RedoubtProperties properties() {
		return this.properties;
	}

	/**
	 * Every problem with the configuration, one line each; empty when it is usable.
	 * Checked once per configuration (the file itself was checked before Spring started,
	 * {@link ConfigurationFile}); every later call answers from that check.
	 */
	public List<String> problems() {
		List<String> checked = this.checked;
		if (checked == null) {
			checked = List.copyOf(check());
			this.checked = checked;
		}
		return checked;
	}

	/** The problems of the current configuration, once it is set. */
	private volatile List<String> checked;

	private List<String> check() {
		List<String> problems = new ArrayList<>();
		if (this.properties.repositories().isEmpty()) {
			problems.add("redoubt.repositories: no region is configured");
		}
		for (int i = 0; i < this.properties.repositories().size(); i++) {
			RedoubtProperties.Region region = this.properties.repositories().get(i);
			String at = "redoubt.repositories[" + i + "]";
			if (region.name() == null || region.name().isBlank()) {
				problems.add(at + ".name: missing");
			}
			if ("local".equals(region.type())) {
				if (region.path() == null) {
					problems.add(at + ".path: missing for a local region");
				}
			}
			else if (region.type() != null && !"s3".equals(region.type())) {
				problems.add(at + ".type: '" + region.type() + "' is not s3 or local");
			}
			else {
				if (region.bucket() == null || region.bucket().isBlank()) {
					problems.add(at + ".bucket: missing");
				}
				if (region.region() == null && region.endpoint() == null) {
					problems.add(at + ".region: missing (or give an endpoint)");
				}
				if ((region.accessKey() == null) != (region.secretKey() == null)) {
					problems.add(at + ": access-key and secret-key must be given together");
				}
			}
		}
		if (this.properties.encryption().keyFile() == null) {
			problems.add("redoubt.encryption.key-file: missing (create one with ./redoubt key-generate --out FILE)");
		}
		else if (!Files.isReadable(this.properties.encryption().keyFile())) {
			problems.add("redoubt.encryption.key-file: " + this.properties.encryption().keyFile() + " is not readable");
		}
		RedoubtProperties.OpenPgp openpgp = this.properties.encryption().openpgp();
		if (openpgp != null) {
			List<java.nio.file.Path> files = new ArrayList<>(openpgp.publicKeys());
			files.add(openpgp.secretKey());
			files.add(openpgp.secretKeyPassphraseFile());
			for (java.nio.file.Path file : files) {
				if (file != null && !Files.isReadable(file)) {
					problems.add("redoubt.encryption.openpgp: " + file + " is not readable");
				}
			}
		}
		problems.addAll(FleetRules.regionNames(this.properties.repositories()));
		for (Map.Entry<String, RedoubtProperties.Source> entry : this.properties.sources().entrySet()) {
			String at = "redoubt.sources." + entry.getKey();
			RedoubtProperties.Source source = entry.getValue();
			problems.addAll(FleetRules.source(entry.getKey(), source, this.properties));
			if (source.url() == null || !source.url().startsWith("jdbc:postgresql://")) {
				problems.add(at + ".url: missing or not a jdbc:postgresql:// URL");
			}
			if (source.username() == null) {
				problems.add(at + ".username: missing");
			}
			if (source.password() != null && source.passwordFile() != null) {
				problems.add(at + ": give password or password-file, not both");
			}
			RedoubtProperties.Verify verify = source.verify();
			for (int i = 0; i < verify.smokeQueries().size(); i++) {
				RedoubtProperties.SmokeQuery query = verify.smokeQueries().get(i);
				if (query.name() == null || query.name().isBlank()) {
					problems.add(at + ".verify.smoke-queries[" + i + "].name: missing");
				}
				if (query.sql() == null || query.sql().isBlank()) {
					problems.add(at + ".verify.smoke-queries[" + i + "].sql: missing");
				}
			}
			String sandbox = verify.sandbox();
			if (sandbox != null && !List.of("auto", "local", "testcontainers").contains(sandbox)) {
				problems.add(at + ".verify.sandbox: '" + sandbox + "' is not auto, local or testcontainers");
			}
		}
		return problems;
	}

	/**
	 * Every problem {@code redoubt serve} would meet: the configuration's, the service's
	 * own and the databases that cannot be discovered.
	 */
	public List<String> serviceProblems() {
		List<String> problems = new ArrayList<>(problems());
		problems.addAll(FleetRules.service(this.properties.service()));
		if (problems.isEmpty()) {
			problems.addAll(discover());
		}
		return problems;
	}

	private void requireValid() {
		List<String> problems = problems();
		if (!problems.isEmpty()) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"the configuration has " + problems.size() + " problem(s):\n  " + String.join("\n  ", problems),
					"see docs/configuration.md", null);
		}
	}

	/** The named source's connection; reads its password file. */
	public ConnectionSpec source(String name) {
		RedoubtProperties.Source source = sourceProperties(name);
		Secret password;
		try {
			password = source.secret().orElse(null);
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "cannot read password-file " + source.passwordFile()
					+ " of source " + name + ": " + ex.getMessage());
		}
		return new ConnectionSpec(source.url(), source.username(), password);
	}

	/** A scheduled refresh's environment, ready to run: where, and how to mask. */
	public record RefreshTarget(String name, ConnectionSpec database, dev.redoubt.restore.mask.Masking masking) {
	}

	/**
	 * The environments the source's scheduled refresh replaces, each with its connection
	 * (role and password defaulting to the source's) and its masking; none without a
	 * refresh.
	 */
	public List<RefreshTarget> refreshTargets(String name) {
		RedoubtProperties.Source source = sourceProperties(name);
		RedoubtProperties.Refresh refresh = source.refresh();
		if (refresh == null || refresh.environments().isEmpty()) {
			return List.of();
		}
		ConnectionSpec own = source(name);
		dev.redoubt.restore.mask.MaskingKey key = dev.redoubt.restore.mask.MaskingKey.read(refresh.maskKeyFile());
		List<RefreshTarget> targets = new java.util.ArrayList<>();
		for (RedoubtProperties.Environment environment : refresh.environments()) {
			Secret password;
			try {
				password = environment.secret().orElse(own.password());
			}
			catch (IOException ex) {
				throw new RedoubtException(ErrorCode.CONFIG_INVALID,
						"cannot read password-file " + environment.passwordFile() + " of environment "
								+ environment.name() + ": " + ex.getMessage());
			}
			targets.add(new RefreshTarget(environment.name(),
					new ConnectionSpec(environment.url(),
							(environment.username() != null) ? environment.username() : own.username(), password),
					new dev.redoubt.restore.mask.Masking(
							dev.redoubt.restore.mask.MaskingPolicy.read(environment.mask()), key)));
		}
		return targets;
	}

	/** Requires {@code name} to be a configured source, without connecting. */
	public void requireSource(String name) {
		sourceProperties(name);
	}

	/**
	 * The named source's configuration, with the whole configuration validated; secrets
	 * are not read.
	 */
	public RedoubtProperties.Source sourceProperties(String name) {
		Map<String, RedoubtProperties.Source> sources = sources();
		RedoubtProperties.Source source = sources.get(name);
		if (source == null && name.contains(".") && this.discovered.isEmpty()) {
			discover();
			sources = sources();
			source = sources.get(name);
		}
		if (source == null) {
			throw new RedoubtException(ErrorCode.UNKNOWN_SOURCE,
					"no source named '" + name + "' is configured; configured: " + sources.keySet(),
					"add it under redoubt.sources or check --source", null);
		}
		requireValid();
		return source;
	}

	/** A repository over every configured region; the caller closes it. */
	public Repository openRepository() {
		return openRepository(List.of());
	}

	/**
	 * A repository over the regions the source is written to (all unless it names some);
	 * the caller closes it.
	 */
	public Repository openRepository(String source) {
		return openRepository(sourceProperties(source).regions());
	}

	private Repository openRepository(List<String> only) {
		requireValid();
		List<ObjectStore> regions = new ArrayList<>();
		for (RedoubtProperties.Region region : this.properties.repositories()) {
			if (!only.isEmpty() && !only.contains(region.name())) {
				continue;
			}
			if ("local".equals(region.type())) {
				regions.add(new LocalStore(region.name(), region.path()));
			}
			else {
				regions.add(new S3Store(new S3StoreConfig(region.name(), region.endpoint(),
						(region.region() != null) ? region.region() : "us-east-1", region.bucket(), region.prefix(),
						Boolean.TRUE.equals(region.pathStyle()), region.accessKey(), region.secretKey(),
						objectLock(region.objectLock()))));
			}
		}
		return new Repository(new MultiRegionStore(regions),
				RepositoryKeys.fromKeyFile(this.properties.encryption().keyFile()));
	}

	private static dev.redoubt.core.store.s3.S3ObjectLock objectLock(RedoubtProperties.ObjectLock lock) {
		return (lock == null) ? null : new dev.redoubt.core.store.s3.S3ObjectLock(lock.mode(), lock.retainFor());
	}

	/** The source's retention policy, with the documented defaults. */
	public dev.redoubt.service.retention.RetentionPolicy retentionPolicy(String sourceName) {
		RedoubtProperties.Retention retention = sourceProperties(sourceName).retention();
		return new dev.redoubt.service.retention.RetentionPolicy(orDefault(retention.keepLast(), 7),
				orDefault(retention.daily(), 7), orDefault(retention.weekly(), 4), orDefault(retention.monthly(), 12),
				orDefault(retention.yearly(), 0), java.time.ZoneId.systemDefault());
	}

	/** How young an unreferenced object must be to be left alone (a backup in flight). */
	public java.time.Duration retentionGrace(String sourceName) {
		java.time.Duration grace = sourceProperties(sourceName).retention().grace();
		return (grace != null) ? grace : java.time.Duration.ofHours(24);
	}

	private static int orDefault(Integer value, int otherwise) {
		return (value != null) ? value : otherwise;
	}

	public BackupSettings backupSettings(String sourceName) {
		RedoubtProperties.Backup backup = this.properties.backup();
		BackupSettings defaults = BackupSettings.defaults();
		return new BackupSettings((backup.workers() != null) ? backup.workers() : defaults.workers(),
				(backup.chunkSize() != null) ? backup.chunkSize().toBytes() : defaults.chunkBytes(),
				(backup.compressionLevel() != null) ? backup.compressionLevel() : defaults.compressionLevel(),
				(backup.lockTimeout() != null) ? backup.lockTimeout() : defaults.lockTimeout(),
				sourceProperties(sourceName).pgDump(), sourceProperties(sourceName).verify().migrationsTable(),
				sourceProperties(sourceName).verify().migrationsColumn(), !Boolean.FALSE.equals(backup.sharedChunks()));
	}

	/**
	 * The source's verification settings, with {@code jobs} from the command line if
	 * given.
	 */
	public VerifySettings verifySettings(String sourceName, Integer jobs) {
		RedoubtProperties.Verify verify = sourceProperties(sourceName).verify();
		Integer configured = this.properties.verification().jobs();
		int effective = (jobs != null) ? jobs
				: (configured != null) ? configured : Runtime.getRuntime().availableProcessors();
		return new VerifySettings(verify.smokeQueries()
			.stream()
			.map((q) -> new VerifySettings.SmokeQuery(q.name(), q.sql(), q.expect()))
			.toList(), verify.migrationsTable(), verify.migrationsColumn(), effective);
	}

	/** The sandbox kind for a source's verifications, or the command line's. */
	public SandboxKind sandboxKind(String sourceName, String override) {
		return SandboxKind.parse((override != null) ? override : sourceProperties(sourceName).verify().sandbox());
	}

	public Path sandboxRoot() {
		Path configured = this.properties.verification().sandboxDirectory();
		return (configured != null) ? configured : LocalSandbox.defaultRoot();
	}

	/**
	 * Parallel sessions of a restore: {@code jobs} if given, else
	 * {@code redoubt.restore.jobs}, else the cores.
	 */
	public int restoreJobs(Integer jobs) {
		if (jobs != null) {
			return jobs;
		}
		return (this.properties.restore().jobs() != null) ? this.properties.restore().jobs()
				: Runtime.getRuntime().availableProcessors();
	}

}
