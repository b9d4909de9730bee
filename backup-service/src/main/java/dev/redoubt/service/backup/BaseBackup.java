package dev.redoubt.service.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.codec.ChunkEncoder;
import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.manifest.BaseBackupManifest.TarMember;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.LibpqConnection;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.pg.ServerVersion;
import dev.redoubt.core.pg.ToolProcess;
import dev.redoubt.core.progress.Progress;
import dev.redoubt.core.repository.BackupWriter;
import dev.redoubt.core.repository.CrashPoint;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.repository.SourceLease;
import tools.jackson.databind.JsonNode;

/**
 * A physical base backup: {@code pg_basebackup --format=tar --wal-method=fetch} to
 * stdout, cut into chunks as it streams, each compressed, encrypted and stored in every
 * region by {@code workers} threads while the next is read. Nothing is staged on local
 * disk; memory is bounded by {@code workers + 2} chunks. The tar stream is read once more
 * on the way through, for the {@code backup_manifest} that pg_basebackup puts at its end:
 * its WAL range gives the stop LSN.
 */
public final class BaseBackup {

	private static final Logger log = LoggerFactory.getLogger(BaseBackup.class);

	private final Repository repository;

	private final String source;

	private final ConnectionSpec connection;

	private final BackupSettings settings;

	private final Clock clock;

	public BaseBackup(Repository repository, String source, ConnectionSpec connection, BackupSettings settings,
			Clock clock) {
		this.repository = repository;
		this.source = source;
		this.connection = connection;
		this.settings = settings;
		this.clock = clock;
	}

	/** What the server says about itself before the backup. */
	private record Cluster(ServerVersion version, String systemIdentifier, int timeline, long walSegmentBytes,
			String superuser, String database, long sizeBytes) {
	}

	public BackupResult run() {
		try (SourceLease lease = this.repository.acquireLease(this.source, "base backup")) {
			return run(lease);
		}
	}

	private BackupResult run(SourceLease lease) {
		Instant started = this.clock.instant();
		Cluster cluster = inspect();
		Path pgBasebackup = PgTools.find("pg_basebackup", cluster.version().major());
		String area = BaseBackupManifest.area(this.source);
		BackupWriter writer = this.repository.beginBackup(area, started, lease,
				this.settings.sharedChunks() && this.repository.canShareChunks(area));
		writer.crashPoint(CrashPoint.fromSystemProperty());
		log.info("base backup {} of source {} (PostgreSQL {}, system {}) started", writer.id(), this.source,
				cluster.version(), cluster.systemIdentifier());
		ClusterRelations.Taken before = relations(cluster);
		List<String> command = new ArrayList<>(List.of(pgBasebackup.toString(), "--pgdata=-", "--format=tar",
				"--wal-method=fetch", "--checkpoint=fast", "--no-password", "--label=redoubt " + writer.id()));
		Streamed streamed;
		try (LibpqConnection libpq = LibpqConnection.prepare(this.connection, "redoubt base backup")) {
			command.add(libpq.dbnameArgument());
			ProcessBuilder builder = libpq.processBuilder(command);
			Process process = builder.start();
			process.getOutputStream().close();
			CompletableFuture<String> errors = ToolProcess.collect(process.getErrorStream(), "pg_basebackup");
			try (InputStream tar = process.getInputStream()) {
				streamed = stream(tar, writer, cluster.sizeBytes());
			}
			catch (RuntimeException ex) {
				process.destroyForcibly();
				throw ex;
			}
			int status = process.waitFor();
			if (status != 0) {
				throw new RedoubtException(ErrorCode.PG_TOOL_FAILED,
						"pg_basebackup failed with exit status " + status + ": " + ToolProcess.tail(errors.join()));
			}
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.PG_TOOL_FAILED, "cannot run " + pgBasebackup + ": " + ex.getMessage(),
					ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RedoubtException(ErrorCode.INTERRUPTED, "interrupted while pg_basebackup was running");
		}
		if (streamed.startLsn() == null || streamed.stopLsn() == null) {
			throw new RedoubtException(ErrorCode.PG_TOOL_FAILED,
					"pg_basebackup's output holds no backup_label or backup_manifest; the backup is not usable");
		}
		Instant stopTime = serverNow();
		ClusterRelations.Taken after = relations(cluster);
		ClusterRelations.Taken stable = (before == null || after == null) ? null : before.stableWith(after);
		BaseBackupManifest manifest = new BaseBackupManifest(
				writer.sharesChunks() ? Manifest.FORMAT_VERSION_SHARED_CHUNKS : Manifest.FORMAT_VERSION,
				writer.id().value(), BaseBackupManifest.TYPE, started, this.clock.instant(),
				new Manifest.SourceIdentity(this.source, cluster.systemIdentifier(), cluster.version().toString(),
						cluster.version().number(), cluster.database()),
				streamed.timeline(), streamed.startLsn(), streamed.stopLsn(), stopTime, cluster.walSegmentBytes(),
				cluster.superuser(), writer.wrappedDataKey(), streamed.bytes(), streamed.chunks(),
				PgTools.version(pgBasebackup).toString(),
				this.repository.nextSequence(BaseBackupManifest.area(this.source), BaseBackupManifest.class),
				streamed.members(), (stable == null) ? null : stable.databases(),
				(stable == null) ? null : stable.relations());
		writer.commitEncoded(ManifestCodec.encodeRecord(manifest, this.repository.keys().signingKey()),
				manifest.chunks());
		Duration took = Duration.between(started, this.clock.instant());
		long stored = streamed.chunks().stream().mapToLong(ChunkRef::storedBytes).sum();
		log.info("base backup {} complete: {} bytes in {} chunks, WAL {} .. {} on timeline {}", writer.id(),
				streamed.bytes(), streamed.chunks().size(), streamed.startLsn(), streamed.stopLsn(),
				streamed.timeline());
		return new BackupResult(writer.id().value(), 0, 0, streamed.chunks().size(), streamed.bytes(), stored, took,
				writer.uploadedBytes());
	}

	private Cluster inspect() {
		try (Connection db = this.connection.open("redoubt base backup"); Statement statement = db.createStatement()) {
			List<String> tablespaces = new ArrayList<>();
			try (ResultSet rows = statement.executeQuery(
					"SELECT spcname FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global') ORDER BY 1")) {
				while (rows.next()) {
					tablespaces.add(rows.getString(1));
				}
			}
			if (!tablespaces.isEmpty()) {
				throw new RedoubtException(ErrorCode.PG_TOOL_UNSUITABLE,
						"source " + this.source + " has tablespaces besides pg_default and pg_global " + tablespaces
								+ "; base backups of several tablespaces are not supported yet",
						"move them into pg_default (ALTER TABLE ... SET TABLESPACE pg_default), or use logical backups",
						null);
			}
			try (ResultSet row = statement.executeQuery("SELECT current_setting('server_version_num')::int,"
					+ " (SELECT system_identifier::text FROM pg_control_system()),"
					+ " (SELECT timeline_id FROM pg_control_checkpoint()),"
					+ " (SELECT setting::bigint * CASE unit WHEN 'B' THEN 1 WHEN 'kB' THEN 1024 WHEN 'MB' THEN 1048576"
					+ " ELSE 1 END FROM pg_settings WHERE name = 'wal_segment_size'),"
					+ " (SELECT rolname FROM pg_roles WHERE oid = 10), current_database(),"
					+ " current_setting('wal_level'), (SELECT sum(pg_database_size(oid))::bigint FROM pg_database)")) {
				row.next();
				if ("minimal".equals(row.getString(7))) {
					throw new RedoubtException(ErrorCode.CONFIG_INVALID,
							"source " + this.source
									+ " runs with wal_level = minimal, which allows no base backup nor WAL archive",
							"set wal_level = replica (the default) and restart the server", null);
				}
				return new Cluster(new ServerVersion(row.getInt(1)), row.getString(2), row.getInt(3), row.getLong(4),
						row.getString(5), row.getString(6), row.getLong(8));
			}
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"cannot inspect source " + this.source + ": " + ex.getMessage(), ex);
		}
	}

	/**
	 * Which table each relation file serves, or {@code null} if the catalogs cannot be
	 * read: the backup does not depend on it, only selective restores' savings do.
	 */
	private ClusterRelations.Taken relations(Cluster cluster) {
		try {
			return ClusterRelations.take(this.connection, cluster.version());
		}
		catch (RuntimeException | SQLException ex) {
			log.warn("cannot read which table each file of source {} serves ({}); restores of single tables "
					+ "from this base backup fetch every file", this.source, ex.getMessage());
			return null;
		}
	}

	private Instant serverNow() {
		try (Connection db = this.connection.open("redoubt base backup");
				Statement statement = db.createStatement();
				ResultSet row = statement.executeQuery("SELECT now()")) {
			row.next();
			return row.getTimestamp(1).toInstant();
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"cannot read the server's clock after the base backup: " + ex.getMessage(), ex);
		}
	}

	private record Streamed(long bytes, List<ChunkRef> chunks, int timeline, String startLsn, String stopLsn,
			List<TarMember> members) {
	}

	/**
	 * Cuts the tar stream into chunks handed to the encoders in order, and reads the tar
	 * on the way for {@code backup_label} and {@code backup_manifest}.
	 */
	private Streamed stream(InputStream tar, BackupWriter writer, long estimatedBytes) throws IOException {
		int workers = Math.max(1, this.settings.workers());
		int chunkBytes = (int) Math.min(this.settings.chunkBytes(), 256L * 1024 * 1024);
		ExecutorService encoders = Executors.newFixedThreadPool(workers, (task) -> {
			Thread thread = new Thread(task, "redoubt-base-encode");
			thread.setDaemon(true);
			return thread;
		});
		BlockingQueue<ChunkEncoder> idle = new ArrayBlockingQueue<>(workers);
		for (int i = 0; i < workers; i++) {
			idle.add(new ChunkEncoder(writer.dataKey(), this.repository.keys().chunkIdKey(),
					this.settings.compressionLevel(), chunkBytes / 2, writer.sharesChunks()));
		}
		List<Future<ChunkRef>> chunks = new ArrayList<>();
		Progress progress = Progress.start("base backup", estimatedBytes / chunkBytes + 1, estimatedBytes);
		try {
			Cutter cutter = new Cutter(tar, chunkBytes, (buffer, length) -> {
				ChunkEncoder encoder = take(idle);
				chunks.add(encoders.submit(() -> {
					try {
						encoder.begin();
						encoder.write(buffer, 0, length);
						return writer.storeChunk(encoder.finish(writer::storedEverywhere), 0, null, null, null);
					}
					finally {
						idle.add(encoder);
					}
				}));
				progress.advance(1, length, 0);
			});
			Label label = readMembers(cutter);
			cutter.drain();
			List<ChunkRef> refs = new ArrayList<>();
			for (Future<ChunkRef> chunk : chunks) {
				refs.add(join(chunk));
			}
			return new Streamed(cutter.total(), refs, label.timeline(), label.startLsn(), label.stopLsn(),
					label.members());
		}
		finally {
			progress.finish();
			encoders.shutdownNow();
		}
	}

	record Label(int timeline, String startLsn, String stopLsn, List<TarMember> members) {
	}

	/**
	 * {@code base/<oid>} for a member of a database's directory, else the empty string
	 * (the cluster's own files).
	 */
	static String databaseDirectory(String member) {
		if (!member.startsWith("base/")) {
			return "";
		}
		int slash = member.indexOf('/', "base/".length());
		return (slash < 0) ? "" : member.substring(0, slash);
	}

	/**
	 * Reads the tar stream's members as it passes: where each starts (for restores of a
	 * subset), and {@code backup_label} and {@code backup_manifest}.
	 */
	static Label readMembers(Cutter stream) throws IOException {
		int timeline = 0;
		String start = null;
		String stop = null;
		List<TarMember> members = new ArrayList<>();
		TarArchiveInputStream tar = new TarArchiveInputStream(stream);
		long next = 0;
		String previousGroup = "";
		TarArchiveEntry entry;
		while ((entry = tar.getNextEntry()) != null) {
			long data = stream.total();
			if (data - next < 512 || data % 512 != 0) {
				throw new IOException("the tar stream's member " + entry.getName() + " starts at " + next
						+ " and its data at " + data + ", which is not a tar layout");
			}
			members.add(new TarMember(entry.getName(), next, entry.getSize()));
			long end = data + (entry.getSize() + 511) / 512 * 512;
			String group = databaseDirectory(entry.getName());
			if (!group.equals(previousGroup)) {
				// a database's files share no chunk with another's (or the cluster's)
				stream.cutBefore(next);
				previousGroup = group;
			}
			if (entry.getSize() >= stream.ownChunkBytes()) {
				stream.cutBefore(next);
				stream.cutWhenReaching(end);
			}
			next = end;
			if (entry.getName().equals("backup_label")) {
				for (String line : new String(tar.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
					if (line.startsWith("START WAL LOCATION: ")) {
						start = line.substring("START WAL LOCATION: ".length()).split(" ")[0];
					}
					else if (line.startsWith("START TIMELINE: ")) {
						timeline = Integer.parseInt(line.substring("START TIMELINE: ".length()).trim());
					}
				}
			}
			else if (entry.getName().equals("backup_manifest")) {
				JsonNode ranges = ManifestCodec.json().readTree(tar.readAllBytes()).path("WAL-Ranges");
				for (JsonNode range : ranges) {
					stop = range.path("End-LSN").asString();
					timeline = range.path("Timeline").asInt(timeline);
				}
			}
		}
		return new Label(timeline, start, stop, List.copyOf(members));
	}

	private static ChunkEncoder take(BlockingQueue<ChunkEncoder> idle) {
		try {
			return idle.take();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RedoubtException(ErrorCode.INTERRUPTED, "interrupted during the base backup");
		}
	}

	private static ChunkRef join(Future<ChunkRef> chunk) {
		try {
			return chunk.get();
		}
		catch (java.util.concurrent.ExecutionException ex) {
			if (ex.getCause() instanceof RedoubtException redoubt) {
				throw redoubt;
			}
			throw new RedoubtException(ErrorCode.INTERNAL, "storing a chunk failed: " + ex.getCause(), ex.getCause());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RedoubtException(ErrorCode.INTERRUPTED, "interrupted during the base backup");
		}
	}

	/**
	 * Passes the stream through to its reader while copying every byte into chunk-sized
	 * buffers, each handed on when full; skipping reads too, so no byte escapes a chunk.
	 * A chunk also ends where the reader says (before and after a large member of the
	 * tar), so that a large file shares no chunk with another and a restore of some files
	 * fetches little else.
	 */
	static final class Cutter extends InputStream {

		interface Full {

			void chunk(byte[] buffer, int length);

		}

		private final InputStream in;

		private final int chunkBytes;

		private final Full full;

		private byte[] buffer;

		private int filled;

		private long total;

		/** Where in the stream the buffer's first byte is. */
		private long chunkStart;

		/** A position ahead where the current chunk is to end, or -1. */
		private long endAt = -1;

		Cutter(InputStream in, int chunkBytes, Full full) {
			this.in = in;
			this.chunkBytes = chunkBytes;
			this.full = full;
			this.buffer = new byte[chunkBytes];
		}

		/** Members this large get chunks of their own. */
		long ownChunkBytes() {
			return Math.min(1 << 20, Math.max(4096, this.chunkBytes / 4));
		}

		@Override
		public int read() throws IOException {
			byte[] one = new byte[1];
			int n = read(one, 0, 1);
			return (n == -1) ? -1 : (one[0] & 0xFF);
		}

		@Override
		public int read(byte[] bytes, int offset, int length) throws IOException {
			int n = this.in.read(bytes, offset, length);
			if (n > 0) {
				copy(bytes, offset, n);
			}
			return n;
		}

		@Override
		public long skip(long count) throws IOException {
			byte[] scratch = new byte[(int) Math.min(count, 64 * 1024)];
			int n = read(scratch, 0, scratch.length);
			return Math.max(n, 0);
		}

		/**
		 * Ends the current chunk at {@code position}, a place already read (the start of
		 * a member whose headers were just read); the bytes after it begin the next one.
		 */
		void cutBefore(long position) {
			if (position <= this.chunkStart || position > this.total) {
				return;
			}
			int keep = (int) (position - this.chunkStart);
			byte[] rest = java.util.Arrays.copyOfRange(this.buffer, keep, this.filled);
			this.filled = keep;
			handOn();
			System.arraycopy(rest, 0, this.buffer, 0, rest.length);
			this.filled = rest.length;
			this.chunkStart = position;
		}

		/** Ends the chunk that will hold the byte before {@code position}, once read. */
		void cutWhenReaching(long position) {
			this.endAt = position;
		}

		/**
		 * A full chunk is handed on when the next byte comes, not before: until then the
		 * reader may still cut it before the member whose headers it ends with.
		 */
		private void copy(byte[] bytes, int offset, int length) {
			while (length > 0) {
				if (this.filled == this.chunkBytes || this.total == this.endAt) {
					if (this.total == this.endAt) {
						this.endAt = -1;
					}
					handOn();
					this.chunkStart = this.total;
				}
				int room = this.chunkBytes - this.filled;
				if (this.endAt > this.total) {
					room = (int) Math.min(room, this.endAt - this.total);
				}
				int take = Math.min(room, length);
				System.arraycopy(bytes, offset, this.buffer, this.filled, take);
				this.filled += take;
				this.total += take;
				offset += take;
				length -= take;
			}
		}

		private void handOn() {
			if (this.filled == 0) {
				return;
			}
			this.full.chunk(this.buffer, this.filled);
			this.buffer = new byte[this.chunkBytes];
			this.filled = 0;
		}

		/**
		 * Reads what follows the tar's end (its padding blocks) and hands on the rest.
		 */
		void drain() throws IOException {
			byte[] scratch = new byte[64 * 1024];
			while (read(scratch, 0, scratch.length) != -1) {
				// copied by read
			}
			handOn();
		}

		long total() {
			return this.total;
		}

	}

}
