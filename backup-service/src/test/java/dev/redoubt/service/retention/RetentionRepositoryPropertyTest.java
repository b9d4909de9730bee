package dev.redoubt.service.retention;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.BackupWriter;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.repository.RepositoryLayout;
import dev.redoubt.core.repository.VerificationRecord;
import dev.redoubt.core.store.MultiRegionStore;
import dev.redoubt.core.store.ObjectInfo;
import dev.redoubt.core.store.ObjectStore;
import dev.redoubt.core.store.local.LocalStore;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.core.wal.WalNames;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Retention} over random repositories in two regions (local stores): random
 * logical and base backups at random dates, some sharing chunks, some verified (or
 * verified, then failed), leftovers of backups that never finished, and WAL. One store
 * call of the run, picked at random, fails as an unreachable region would. Whatever the
 * history, the policy and the failure: a failed listing, or any failure the run does not
 * recover from, deletes nothing; otherwise the newest verified backup and the newest ones
 * the policy keeps are complete in every region, every kept backup still has every object
 * its manifest names, and every WAL segment from the start of a kept base backup on is
 * still archived. Seeded: a failure names its seed.
 */
class RetentionRepositoryPropertyTest {

	private static final String SOURCE = "db";

	private static final long SEGMENT_BYTES = WalNames.DEFAULT_SEGMENT_BYTES;

	private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

	@TempDir
	static Path dir;

	static RepositoryKeys keys;

	@BeforeAll
	static void key() throws Exception {
		RepositoryKeys.generateKeyFile(dir.resolve("master.key"));
		keys = RepositoryKeys.fromKeyFile(dir.resolve("master.key"));
	}

	@Test
	void noFailureLosesWhatMustBeKeptAndAFailedListingDeletesNothing() throws Exception {
		int listingFailures = 0;
		int recoveredReadFailures = 0;
		for (long seed = 1; seed <= 100; seed++) {
			Random random = new Random(seed);
			Path root = Files.createDirectory(dir.resolve("seed-" + seed));
			FaultyStore eu = new FaultyStore(new LocalStore("eu", root.resolve("eu")));
			FaultyStore us = new FaultyStore(new LocalStore("us", root.resolve("us")));
			Repository repository = new Repository(new MultiRegionStore(List.of(eu, us)), keys);
			History history = History.random(random, repository, eu, us);
			RetentionPolicy policy = new RetentionPolicy(random.nextInt(3), random.nextInt(4), random.nextInt(3),
					random.nextInt(3), 0, ZoneOffset.UTC);
			Map<String, TreeSet<String>> before = Map.of("eu", eu.keys(), "us", us.keys());
			// the call that fails: often past the run's last one, so that some runs see
			// none
			int failAt = random.nextInt(2 * (before.get("eu").size() + 10));
			eu.failAt(failAt, us);
			String context = "seed " + seed + ", " + policy + ", failing call " + failAt;

			RedoubtException failure = null;
			try {
				new Retention(repository, Clock.systemUTC(), Duration.ZERO).run(SOURCE, policy, false);
			}
			catch (RedoubtException ex) {
				failure = ex;
			}
			Map<String, TreeSet<String>> after = Map.of("eu", eu.keys(), "us", us.keys());

			String failed = eu.failedCall();
			if (failure != null) {
				assertThat(failure.code()).as(context).isEqualTo(ErrorCode.REGION_UNREACHABLE);
				assertThat(failed).as(context).isNotNull();
				assertThat(after).as(context + ": a failed run deletes nothing").isEqualTo(before);
				listingFailures += failed.startsWith("list") ? 1 : 0;
				continue;
			}
			assertThat(failed).as(context + ": only a read another region answered may fail and the run go on")
				.satisfiesAnyOf((call) -> assertThat(call).isNull(), (call) -> assertThat(call).startsWith("read"));
			recoveredReadFailures += failed != null ? 1 : 0;
			history.assertKept(policy, after, context);
		}
		assertThat(listingFailures).as("runs whose listing failed").isGreaterThan(10);
		assertThat(recoveredReadFailures).as("runs that read the other region's copy").isPositive();
	}

	/** What was written, and what must survive any retention run over it. */
	private record History(List<Backup> logical, List<Backup> base, List<String> wal) {

		/**
		 * Up to six logical and three base backups over 40 days, every third verified
		 * (some later failing a new verification), a chunk of an older backup sometimes
		 * referenced by a newer one, up to two leftovers, up to 60 WAL segments.
		 */
		static History random(Random random, Repository repository, ObjectStore... regions) {
			List<Backup> logical = new ArrayList<>();
			List<Backup> base = new ArrayList<>();
			List<String> sharedCandidates = new ArrayList<>();
			for (int i = random.nextInt(7); i > 0; i--) {
				Instant at = START.plus(Duration.ofMinutes(random.nextInt(40 * 24 * 60)));
				BackupWriter writer = repository.beginBackup(SOURCE, at);
				List<String> chunks = chunks(random, regions, SOURCE, writer.id(), 1 + random.nextInt(3));
				if (!sharedCandidates.isEmpty() && random.nextBoolean()) {
					chunks.add(sharedCandidates.get(random.nextInt(sharedCandidates.size())));
				}
				sharedCandidates.addAll(chunks);
				writer.commit(logicalManifest(writer, at, chunks));
				logical.add(new Backup(SOURCE, writer.id().value(), at,
						verify(random, repository, SOURCE, writer.id(), at), chunks));
			}
			String area = BaseBackupManifest.area(SOURCE);
			List<String> wal = new ArrayList<>();
			long walEnd = random.nextInt(60);
			for (long segment = 0; segment < walEnd; segment++) {
				wal.add(WalNames.segmentName(1, segment, SEGMENT_BYTES));
			}
			for (int i = random.nextInt(4); i > 0; i--) {
				Instant at = START.plus(Duration.ofMinutes(random.nextInt(40 * 24 * 60)));
				BackupWriter writer = repository.beginBackup(area, at);
				List<String> chunks = chunks(random, regions, area, writer.id(), 1 + random.nextInt(2));
				long startLsn = random.nextInt((int) walEnd + 5) * SEGMENT_BYTES + random.nextInt(1000);
				BaseBackupManifest manifest = baseManifest(writer, at, chunks, startLsn);
				writer.commitEncoded(ManifestCodec.encodeRecord(manifest, repository.keys().signingKey()),
						manifest.chunks());
				base.add(new Backup(area, writer.id().value(), at, verify(random, repository, area, writer.id(), at),
						chunks, startLsn));
			}
			for (int i = random.nextInt(3); i > 0; i--) {
				// a backup that never reached its manifest
				BackupWriter writer = repository.beginBackup(SOURCE, START.plusSeconds(random.nextInt(1000)));
				chunks(random, regions, SOURCE, writer.id(), 1);
			}
			for (String segment : wal) {
				for (ObjectStore region : regions) {
					region.create(WalArchive.key(SOURCE, segment), new byte[] { 1 });
				}
			}
			return new History(logical, base, wal);
		}

		void assertKept(RetentionPolicy policy, Map<String, TreeSet<String>> after, String context) {
			for (List<Backup> area : List.of(this.logical, this.base)) {
				List<Backup> newestFirst = new ArrayList<>(area);
				newestFirst.sort(Comparator.comparing(Backup::completedAt).thenComparing(Backup::id).reversed());
				List<Backup> mustStay = new ArrayList<>(
						newestFirst.subList(0, Math.min(policy.keepLast(), newestFirst.size())));
				newestFirst.stream().filter(Backup::verified).findFirst().ifPresent(mustStay::add);
				for (Backup backup : mustStay) {
					assertThat(backup.isIn(after)).as(context + ": kept " + backup).isTrue();
				}
				for (Backup backup : area) {
					if (backup.manifestIn(after)) {
						assertThat(backup.isIn(after)).as(context + ": every object of surviving " + backup).isTrue();
					}
				}
			}
			for (Backup base : this.base) {
				if (!base.manifestIn(after)) {
					continue;
				}
				long first = base.startLsn() / SEGMENT_BYTES;
				for (String segment : this.wal) {
					if (WalNames.segmentNumber(segment, SEGMENT_BYTES) >= first) {
						for (TreeSet<String> keys : after.values()) {
							assertThat(keys).as(context + ": WAL " + segment + " needed by " + base)
								.contains(WalArchive.key(SOURCE, segment));
						}
					}
				}
			}
		}

		private static List<String> chunks(Random random, ObjectStore[] regions, String area, BackupId id, int count) {
			List<String> keys = new ArrayList<>();
			for (int i = 0; i < count; i++) {
				String key = RepositoryLayout.chunk(area, id, Long.toHexString(random.nextLong()));
				for (ObjectStore region : regions) {
					region.create(key, new byte[] { (byte) i });
				}
				keys.add(key);
			}
			return keys;
		}

		/** Verified or not: none, a pass, or a pass then a failure (newest counts). */
		private static boolean verify(Random random, Repository repository, String area, BackupId id, Instant at) {
			int outcome = random.nextInt(4);
			if (outcome == 0) {
				return false;
			}
			record(repository, area, id, at.plusSeconds(60), true);
			if (outcome == 3) {
				record(repository, area, id, at.plusSeconds(120), false);
				return false;
			}
			return true;
		}

		private static void record(Repository repository, String area, BackupId id, Instant finished,
				boolean verified) {
			repository.writeVerification(new VerificationRecord(VerificationRecord.FORMAT_VERSION, area, id.value(),
					"eu", verified, finished.minusSeconds(30), finished, 1.0, "local", "15", List.of()));
		}

		private static Manifest logicalManifest(BackupWriter writer, Instant at, List<String> chunks) {
			List<ChunkRef> refs = chunks.stream().map(History::ref).toList();
			return new Manifest(Manifest.FORMAT_VERSION, writer.id().value(), "logical", at, at, identity(),
					new Manifest.Snapshot("0/1000000", at), writer.wrappedDataKey(), refs.get(0),
					List.of(new TableEntry("public", "t", "p", null, List.of("id"), "id", 1, "h",
							refs.subList(1, refs.size()))),
					List.of(), new Manifest.LargeObjects(0, List.of()), List.of(), new Manifest.Tools("15"), null);
		}

		private static BaseBackupManifest baseManifest(BackupWriter writer, Instant at, List<String> chunks,
				long startLsn) {
			return new BaseBackupManifest(Manifest.FORMAT_VERSION, writer.id().value(), BaseBackupManifest.TYPE, at, at,
					identity(), 1, WalNames.formatLsn(startLsn), WalNames.formatLsn(startLsn + 100), at, SEGMENT_BYTES,
					"postgres", writer.wrappedDataKey(), 1, chunks.stream().map(History::ref).toList(), "15");
		}

		private static Manifest.SourceIdentity identity() {
			return new Manifest.SourceIdentity(SOURCE, "7000000000000000000", "15.0", 150000, "db");
		}

		private static ChunkRef ref(String key) {
			return new ChunkRef(key, key.substring(key.lastIndexOf('/') + 1), 1, 1, 1, "0".repeat(64),
					List.of("zstd", "aes-256-gcm"), null, null, null);
		}

	}

	private record Backup(String area, String id, Instant completedAt, boolean verified, List<String> chunks,
			long startLsn) {

		Backup(String area, String id, Instant completedAt, boolean verified, List<String> chunks) {
			this(area, id, completedAt, verified, chunks, -1);
		}

		String manifestKey() {
			return RepositoryLayout.manifest(this.area, BackupId.parse(this.id));
		}

		boolean manifestIn(Map<String, TreeSet<String>> keys) {
			return keys.values().stream().anyMatch((region) -> region.contains(manifestKey()));
		}

		/** The manifest and every chunk it names, in every region. */
		boolean isIn(Map<String, TreeSet<String>> keys) {
			return keys.values()
				.stream()
				.allMatch((region) -> region.contains(manifestKey()) && region.containsAll(this.chunks));
		}

		@Override
		public String toString() {
			return this.area + "@" + this.id + (this.verified ? " (verified)" : "");
		}

	}

	/**
	 * A region whose n-th call (counted over every region sharing the counter) fails as
	 * an unreachable region does: listings and reads only, the calls of the run's reading
	 * phase.
	 */
	private static final class FaultyStore implements ObjectStore {

		private final ObjectStore delegate;

		private int[] counter = { 0 };

		private int failAt = -1;

		private String[] failed = { null };

		FaultyStore(ObjectStore delegate) {
			this.delegate = delegate;
		}

		/** Arms the failure on this store and those sharing its counter. */
		void failAt(int call, FaultyStore... others) {
			this.failAt = call;
			for (FaultyStore other : others) {
				other.counter = this.counter;
				other.failed = this.failed;
				other.failAt = call;
			}
		}

		String failedCall() {
			return this.failed[0];
		}

		TreeSet<String> keys() {
			TreeSet<String> keys = new TreeSet<>();
			this.delegate.list("").forEach((object) -> keys.add(object.key()));
			return keys;
		}

		private void maybeFail(String call, String key) {
			if (this.failAt >= 0 && this.counter[0]++ == this.failAt) {
				this.failed[0] = call + " " + key;
				throw new RedoubtException(ErrorCode.REGION_UNREACHABLE,
						"region " + name() + " is unreachable (injected, " + call + " " + key + ")");
			}
		}

		@Override
		public String name() {
			return this.delegate.name();
		}

		@Override
		public void create(String key, byte[] data, int offset, int length) {
			this.delegate.create(key, data, offset, length);
		}

		@Override
		public Optional<byte[]> read(String key) {
			maybeFail("read", key);
			return this.delegate.read(key);
		}

		@Override
		public Optional<byte[]> read(String key, long offset, int length) {
			maybeFail("read", key);
			return this.delegate.read(key, offset, length);
		}

		@Override
		public Optional<ObjectInfo> head(String key) {
			maybeFail("head", key);
			return this.delegate.head(key);
		}

		@Override
		public List<ObjectInfo> list(String prefix) {
			maybeFail("list", prefix);
			return this.delegate.list(prefix);
		}

		@Override
		public List<String> listChildren(String prefix) {
			maybeFail("list", prefix);
			return this.delegate.listChildren(prefix);
		}

		@Override
		public void delete(String key) {
			this.delegate.delete(key);
		}

	}

}
