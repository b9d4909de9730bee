package dev.redoubt.service.checkpoint;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.Manifest.SchemaVersion;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.manifest.SignedJson;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.SchemaVersionReader;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.store.ObjectInfo;
import dev.redoubt.core.store.ObjectStore;
import dev.redoubt.core.wal.WalArchive;

/**
 * The checkpoints of a source, one signed object each in every region:
 * {@code <source>/checkpoints/<name>.json}, written once, never replaced.
 */
public final class Checkpoints {

	private static final Logger log = LoggerFactory.getLogger(Checkpoints.class);

	/**
	 * A name: a letter first (so it is never taken for a time), then letters, digits,
	 * {@code .}, {@code _} or {@code -}, 63 at most.
	 */
	private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,62}");

	private Checkpoints() {
	}

	public static String prefix(String source) {
		return source + "/checkpoints/";
	}

	static String key(String source, String name) {
		return prefix(source) + name + ".json";
	}

	/** Whether {@code text} can name a checkpoint (and so is not a time). */
	public static boolean isName(String text) {
		return text != null && NAME.matcher(text).matches();
	}

	public static String requireName(String name) {
		if (!isName(name)) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "'" + name + "' is not a checkpoint name: a letter, "
					+ "then up to 62 letters, digits, '.', '_' or '-' (such as before-release-42)");
		}
		return name;
	}

	/**
	 * Creates a restore point named {@code name} on the source, switches the WAL segment,
	 * waits until that segment is in every region, and records the checkpoint with the
	 * schema version read in the same session.
	 * @throws RedoubtException {@code OBJECT_EXISTS} for a name taken already;
	 * {@code WAL_GAP} if the segment is not archived within {@code timeout}
	 */
	public static Checkpoint take(Repository repository, String source, ConnectionSpec connection, String name,
			String migrationsTable, String migrationsColumn, Duration timeout) {
		requireName(name);
		if (find(repository, source, name).isPresent()) {
			throw new RedoubtException(ErrorCode.OBJECT_EXISTS,
					"source " + source + " has a checkpoint named " + name + " already; nothing was created");
		}
		String lsn;
		String segment;
		Instant at;
		SchemaVersion version;
		try (Connection db = connection.open("redoubt checkpoint")) {
			version = SchemaVersionReader.read(db, migrationsTable, migrationsColumn);
			try (PreparedStatement point = db
				.prepareStatement("SELECT p::text, pg_walfile_name(p), now() FROM pg_create_restore_point(?) AS p")) {
				point.setString(1, name);
				try (ResultSet row = point.executeQuery()) {
					row.next();
					lsn = row.getString(1);
					segment = row.getString(2);
					at = row.getTimestamp(3).toInstant();
				}
			}
			try (Statement statement = db.createStatement()) {
				statement.execute("SELECT pg_switch_wal()");
			}
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"cannot create the restore point " + name + " on source " + source + ": " + ex.getMessage(),
					"the source's user needs pg_create_restore_point and pg_switch_wal (a superuser, or EXECUTE "
							+ "granted on both), and wal_level = replica",
					ex);
		}
		awaitArchived(repository, source, segment, timeout);
		Checkpoint checkpoint = new Checkpoint(name, source, at, lsn, segment, connection.database(), version);
		byte[] signed = SignedJson.sign(ManifestCodec.json().writeValueAsBytes(checkpoint),
				repository.keys().signingKey());
		repository.store().createEverywhere(key(source, name), signed, signed.length);
		log.info("checkpoint {} of source {}: restore point at {} in {}, archived in every region; schema version {}",
				name, source, lsn, segment, checkpoint.describeVersion());
		return checkpoint;
	}

	private static void awaitArchived(Repository repository, String source, String segment, Duration timeout) {
		String key = WalArchive.key(source, segment);
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			List<String> missing = new ArrayList<>();
			for (ObjectStore region : repository.store().regions()) {
				if (region.list(key).stream().noneMatch((object) -> object.key().equals(key))) {
					missing.add(region.name());
				}
			}
			if (missing.isEmpty()) {
				return;
			}
			if (System.nanoTime() > deadline) {
				throw new RedoubtException(ErrorCode.WAL_GAP,
						"WAL segment " + segment + " with the restore point is not archived in " + missing + " after "
								+ timeout.toSeconds() + " s; the checkpoint is not recorded",
						"is the source's WAL archived (wal-archiver with archive_command, or wal-stream)?", null);
			}
			try {
				Thread.sleep(250);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new RedoubtException(ErrorCode.INTERRUPTED, "interrupted while waiting for the WAL archive");
			}
		}
	}

	/**
	 * Every checkpoint of the source that verifies, oldest first, from every region that
	 * answers.
	 * @throws RedoubtException {@code REGION_UNREACHABLE} if none answers
	 */
	public static List<Checkpoint> list(Repository repository, String source) {
		java.util.Set<String> names = new java.util.TreeSet<>();
		RedoubtException unreachable = null;
		int answered = 0;
		for (ObjectStore region : repository.store().regions()) {
			try {
				for (ObjectInfo object : region.list(prefix(source))) {
					String rest = object.key().substring(prefix(source).length());
					if (rest.endsWith(".json") && isName(rest.substring(0, rest.length() - ".json".length()))) {
						names.add(rest.substring(0, rest.length() - ".json".length()));
					}
				}
				answered++;
			}
			catch (RedoubtException ex) {
				log.warn("cannot list the checkpoints of source {} in region {}: {}", source, region.name(),
						ex.getMessage());
				unreachable = ex;
			}
		}
		if (answered == 0 && unreachable != null) {
			throw unreachable;
		}
		List<Checkpoint> checkpoints = new ArrayList<>();
		for (String name : names) {
			find(repository, source, name).ifPresent(checkpoints::add);
		}
		checkpoints.sort(java.util.Comparator.comparing(Checkpoint::createdAt));
		return checkpoints;
	}

	/** The checkpoint of that name from the first region with a copy that verifies. */
	public static Optional<Checkpoint> find(Repository repository, String source, String name) {
		requireName(name);
		String key = key(source, name);
		return repository.store().readFirstHealthy(key, (region, bytes) -> {
			SignedJson.Parts parts = SignedJson.split(bytes);
			SignedJson.verify(parts, repository.keys().signingKey(),
					"checkpoint " + key + " in region " + region.name());
			Checkpoint checkpoint = ManifestCodec.json().readValue(parts.json(), Checkpoint.class);
			if (!checkpoint.name().equals(name) || !checkpoint.source().equals(source)) {
				throw new RedoubtException(ErrorCode.CORRUPT_OBJECT,
						"checkpoint " + key + " in region " + region.name() + " names another checkpoint");
			}
			return checkpoint;
		});
	}

}
