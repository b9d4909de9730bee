package dev.redoubt.restore.physical;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.pg.ServerVersion;
import dev.redoubt.core.pg.ToolProcess;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.core.wal.WalNames;
import dev.redoubt.core.wal.WalSpool;
import dev.redoubt.restore.sandbox.SandboxKind;

/**
 * Point-in-time recovery of a source's cluster into an empty data directory: the right
 * base backup is unpacked, then PostgreSQL replays the archived WAL (fetched ahead by a
 * {@link WalFetchServer}) to the target and promotes. PostgreSQL runs for the replay with
 * no TCP listener (a private socket only), no archiving, and the target given on its
 * command line, so nothing is written into the cluster's configuration files.
 *
 * <p>
 * A target the archive cannot reach fails loudly: PostgreSQL stops with "recovery ended
 * before configured recovery target was reached", a gap is refused by the fetch server,
 * and an unreadable archive stops recovery instead of ending it.
 *
 * <p>
 * Callers go through {@link dev.redoubt.restore.RestoreEngine} ({@code recoverCluster},
 * {@code recover}, tables as of a time), which builds the {@link Request} from a
 * validated {@link dev.redoubt.restore.RestoreRequest}; this class is public for that
 * package only.
 */
public final class PointInTimeRecovery {

	private static final Logger log = LoggerFactory.getLogger(PointInTimeRecovery.class);

	/**
	 * @param source the source whose base backups and WAL to use
	 * @param backupId a base backup id, or {@code null} / {@code latest} to choose by
	 * target
	 * @param target where to stop
	 * @param dataDirectory an empty or absent directory
	 * @param jobs chunks and WAL segments fetched ahead
	 * @param readable whether the recovered server, left running, also listens on
	 * 127.0.0.1 for {@link Recovered#connection}: its superuser then gets a random
	 * password and only password logins are allowed over TCP (a throwaway copy only)
	 * @param server where the server replays: {@code LOCAL} (this machine's binaries of
	 * the backup's major version) or {@code TESTCONTAINERS} (a {@code postgres:<major>}
	 * container)
	 * @param files which files of the base backup to fetch (the others zero-filled); only
	 * for a throwaway recovery
	 * @param throwaway the cluster is read and thrown away: replay runs without fsync,
	 * with larger buffers and no autovacuum, and the files left out by {@code files} are
	 * tolerated ({@code ignore_invalid_pages})
	 */
	public record Request(String source, String backupId, RecoveryTarget target, Path dataDirectory, int jobs,
			boolean readable, SandboxKind server, FileSelection files, boolean throwaway, Path pausedIn) {

		public Request {
			if (files.isPartial() && !throwaway) {
				throw new IllegalArgumentException("only a throwaway recovery may leave files out");
			}
			if (pausedIn != null && (readable || target.kind() == RecoveryTarget.Kind.LATEST)) {
				throw new IllegalArgumentException("a paused recovery needs a target and is read on its socket");
			}
		}

		public Request(String source, String backupId, RecoveryTarget target, Path dataDirectory, int jobs,
				boolean readable, SandboxKind server) {
			this(source, backupId, target, dataDirectory, jobs, readable, server, FileSelection.all(), false, null);
		}

		/**
		 * The same recovery, left paused at the target: read-only, on a Unix socket in
		 * {@code work} that only the server's user (and root) can reach, with trust
		 * authentication there and no TCP listener; the server outlives this process
		 * ({@link Recovered#detach}). For time travel.
		 */
		public Request pausedIn(Path work) {
			return new Request(this.source, this.backupId, this.target, this.dataDirectory, this.jobs, false,
					this.server, this.files, this.throwaway, work);
		}

		public Request(String source, String backupId, RecoveryTarget target, Path dataDirectory, int jobs,
				boolean readable) {
			this(source, backupId, target, dataDirectory, jobs, readable, SandboxKind.LOCAL);
		}

		/** The same recovery, thrown away once read, fetching {@code selection}. */
		public Request throwaway(FileSelection selection) {
			return new Request(this.source, this.backupId, this.target, this.dataDirectory, this.jobs, this.readable,
					this.server, selection, true, this.pausedIn);
		}

	}

	/**
	 * @param backupId the base backup used
	 * @param stoppedAt what PostgreSQL reported where it stopped
	 * @param timeline the new timeline after promotion
	 * @param walFiles WAL segments replayed, from the backup's start to where redo ended
	 * @param tarBytes bytes of the base backup's tar stream unpacked
	 * @param fetchedBytes bytes of the base backup read from the repository, as stored
	 * @param leftOutFiles files of the base backup left out (zero-filled)
	 * @param leftOutBytes their size
	 * @param files which files were fetched ({@link FileSelection#toString})
	 */
	public record Result(String backupId, RecoveryTarget target, Path dataDirectory, long tarBytes, int walFiles,
			Duration unpackTime, Duration replayTime, List<String> stoppedAt, int timeline, long fetchedBytes,
			int leftOutFiles, long leftOutBytes, String files) {
	}

	private PointInTimeRecovery() {
	}

	/** Recovers and stops the server: the directory is a cluster ready to start. */
	public static Result run(Repository repository, Request request) {
		try (Recovered recovered = recover(repository, request)) {
			return recovered.result();
		}
	}

	/**
	 * Recovers and leaves the server running on its private socket; closing the result
	 * stops it. For callers that read from the recovered cluster (a table as of a time).
	 */
	public static Recovered recover(Repository repository, Request request) {
		Path data = request.dataDirectory().toAbsolutePath().normalize();
		requireEmpty(data);
		BaseBackupManifest manifest = BaseBackups.choose(repository, request.source(), request.backupId(),
				request.target());
		log.info("recovering source {} to {} from base backup {} (ends at {}, LSN {})", request.source(),
				request.target(), manifest.backupId(), manifest.stopTime(), manifest.stopLsn());
		ServerVersion version = new ServerVersion(manifest.source().serverVersionNum());
		boolean container = request.server() == SandboxKind.TESTCONTAINERS;
		Path postgres = container ? Path.of("postgres") : PgTools.findExact("postgres", version.major());
		Path work = (request.pausedIn() != null) ? workDirectory(request.pausedIn()) : workDirectory();
		boolean done = false;
		try {
			long started = System.nanoTime();
			createDataDirectory(data);
			BaseBackupExtractor.Extracted extracted = BaseBackupExtractor.extract(repository, manifest, data,
					request.jobs(), request.files());
			Duration unpack = Duration.ofNanos(System.nanoTime() - started);
			log.info("base backup {} unpacked into {} in {} ms ({}: {} bytes fetched, {} files zero-filled)",
					manifest.backupId(), data, unpack.toMillis(), request.files(), extracted.storedBytes(),
					extracted.leftOutFiles());
			prepare(data);
			WalSpool spool = new WalSpool(work.resolve("spool")).create();
			Path client = installClient(work);
			Path socket = Files.createDirectories(work.resolve("socket"));
			Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rwxrwxrwx"));
			long replayStarted = System.nanoTime();
			WalFetchServer fetcher = new WalFetchServer(new WalArchive(repository, request.source()), spool,
					manifest.walSegmentBytes(), Math.max(2, request.jobs() * 2));
			Path logFile = data.resolve("redoubt-recovery.log");
			int port = dev.redoubt.core.pg.LocalCluster.freePort();
			List<String> command = new ArrayList<>(
					List.of(postgres.toString(), "-D", data.toString(), "-c", "port=" + port, "-c", "listen_addresses=",
							"-c", "unix_socket_directories=" + socket, "-c", "archive_mode=off", "-c", "hot_standby=on",
							"-c", "restore_command=" + client + " wal-fetch --spool " + spool.root() + " %f %p"));
			int followed = TimelineChoice.reachable(manifest.timeline(), WalNames.parseLsn(manifest.stopLsn()),
					TimelineChoice.histories(new WalArchive(repository, request.source())));
			request.target()
				.settings(Integer.toString(followed))
				.forEach((name, value) -> command.addAll(List.of("-c", name + "=" + value)));
			if (request.throwaway()) {
				throwawaySettings(version, request.files())
					.forEach((name, value) -> command.addAll(List.of("-c", name + "=" + value)));
			}
			if (request.pausedIn() != null) {
				Path hba = Files.writeString(work.resolve("pg_hba.conf"), "local all all trust\n");
				ToolProcess.handToServerUser(hba);
				Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rwx------"));
				ToolProcess.handToServerUser(socket);
				command.addAll(List.of("-c", "hba_file=" + hba, "-c", "recovery_target_action=pause"));
			}
			if (request.readable()) {
				Path hba = Files.writeString(work.resolve("pg_hba.conf"),
						"local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n");
				command.addAll(List.of("-c", "listen_addresses=127.0.0.1", "-c", "hba_file=" + hba, "-c",
						"password_encryption=scram-sha-256"));
			}
			if (container) {
				ToolProcess.handToServerUser(Files.write(logFile, new byte[0]));
			}
			RecoveryServer server = container
					? ContainerRecoveryServer.start(version.major(), command, logFile, data, work)
					: new LocalRecoveryServer(ToolProcess.builder(ToolProcess.asServerUser(command))
						.redirectErrorStream(true)
						.redirectOutput(logFile.toFile())
						.start(), postgres.resolveSibling("pg_ctl"), data);
			Recovered recovered = new Recovered(server, data, socket, port, work, fetcher, logFile,
					manifest.superuser(), request.throwaway());
			try {
				dev.redoubt.core.repository.CrashPoint.fromSystemProperty()
					.reached(dev.redoubt.core.repository.CrashPoint.DURING_REPLAY);
				awaitPromotion(recovered, request.target(), request.pausedIn() != null);
				Duration replay = Duration.ofNanos(System.nanoTime() - replayStarted);
				List<String> stopped = grep(logFile, "recovery stopping", "redo done at", "last completed transaction",
						"selected new timeline ID", "consistent recovery state reached");
				int timeline = stopped.stream()
					.filter((line) -> line.contains("selected new timeline ID"))
					.map((line) -> line.replaceAll(".*selected new timeline ID: *([0-9]+).*", "$1"))
					.map(Integer::parseInt)
					.reduce((a, b) -> b)
					.orElse(manifest.timeline());
				if (request.readable()) {
					recovered.password = dev.redoubt.core.secret.Secret
						.of(java.util.HexFormat.of().formatHex(dev.redoubt.core.key.RepositoryKeys.newDataKey()));
					recovered.psql(request.files().database().orElse("postgres"),
							"ALTER ROLE \"" + manifest.superuser().replace("\"", "\"\"") + "\" PASSWORD '"
									+ recovered.password.reveal() + "'");
				}
				int replayed = segmentsReplayed(manifest, stopped);
				recovered.result = new Result(manifest.backupId(), request.target(), data, extracted.tarBytes(),
						replayed, unpack, replay, stopped, timeline, extracted.storedBytes(), extracted.leftOutFiles(),
						extracted.leftOutBytes(), request.files().toString());
				log.info("recovered to {} in {} ms of replay ({} WAL segments): {}", request.target(),
						replay.toMillis(), replayed, String.join(" | ", stopped));
				done = true;
				return recovered;
			}
			finally {
				if (!done) {
					recovered.close();
				}
			}
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
					"point-in-time recovery into " + data + " failed: " + ex.getMessage(), ex);
		}
		finally {
			if (!done) {
				DirectoryTree.delete(work);
			}
		}
	}

	/** A recovered cluster, still running on its private socket until closed. */
	public static final class Recovered implements AutoCloseable {

		private final RecoveryServer server;

		private final Path data;

		private final Path socket;

		private final int port;

		private final Path work;

		private final WalFetchServer fetcher;

		private final Path logFile;

		private final String superuser;

		private Result result;

		private dev.redoubt.core.secret.Secret password;

		private boolean closed;

		/** Stopped at once on close, without a shutdown checkpoint: it is thrown away. */
		private final boolean throwaway;

		Recovered(RecoveryServer server, Path data, Path socket, int port, Path work, WalFetchServer fetcher,
				Path logFile, String superuser, boolean throwaway) {
			this.throwaway = throwaway;
			this.server = server;
			this.data = data;
			this.socket = socket;
			this.port = port;
			this.work = work;
			this.fetcher = fetcher;
			this.logFile = logFile;
			this.superuser = superuser;
		}

		public Result result() {
			return this.result;
		}

		public Path socketDirectory() {
			return this.socket;
		}

		public int port() {
			return this.port;
		}

		public String superuser() {
			return this.superuser;
		}

		/**
		 * The files of {@code base/<database>/} whose pages PostgreSQL reported
		 * uninitialized during replay (WAL that referred to a page of a zero-filled file;
		 * tolerated with {@code ignore_invalid_pages}), by file number.
		 */
		public java.util.Set<Long> filesWithInvalidPages(long database) {
			java.util.regex.Pattern relation = java.util.regex.Pattern
				.compile("relation base/" + database + "/([0-9]+)(?:_[a-z]+)?\\b");
			java.util.Set<Long> files = new java.util.HashSet<>();
			try {
				for (String line : Files.readAllLines(this.logFile, StandardCharsets.UTF_8)) {
					java.util.regex.Matcher matcher = relation.matcher(line);
					if ((line.contains("uninitialized") || line.contains("invalid page")) && matcher.find()) {
						files.add(Long.parseLong(matcher.group(1)));
					}
				}
			}
			catch (IOException ex) {
				throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
						"cannot read the recovery's log " + this.logFile + ": " + ex.getMessage(), ex);
			}
			return files;
		}

		/**
		 * Disk the recovered data directory takes (blocks allocated, as {@code du}
		 * counts: zero-filled files left out take none), or -1 if it cannot be measured.
		 */
		public long diskBytes() {
			try {
				Process du = new ProcessBuilder("du", "-s", "--block-size=1", this.data.toString())
					.redirectError(ProcessBuilder.Redirect.DISCARD)
					.start();
				String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
				return (du.waitFor() == 0) ? Long.parseLong(out.trim().split("\\s+")[0]) : -1;
			}
			catch (IOException | NumberFormatException ex) {
				return -1;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return -1;
			}
		}

		/** Where the server ran: {@code local} or {@code testcontainers}. */
		public String serverKind() {
			return this.server.kind();
		}

		/**
		 * A TCP connection to one of its databases as the superuser; only for a
		 * {@linkplain Request#readable readable} recovery.
		 */
		public dev.redoubt.core.pg.ConnectionSpec connection(String database) {
			if (this.password == null) {
				throw new IllegalStateException("the recovery was not requested readable");
			}
			return new dev.redoubt.core.pg.ConnectionSpec(dev.redoubt.core.pg.ConnectionSpec
				.urlWithDatabase("jdbc:postgresql://127.0.0.1:" + this.port, database), this.superuser, this.password);
		}

		/** Runs SQL through psql on the private socket, as the bootstrap superuser. */
		public String psql(String database, String sql) {
			// the SQL goes on standard input: it may set a password, which a command line
			// would show to every user of the machine
			return ToolProcess.run(
					ToolProcess.asServerUser(List.of(PgTools.find("psql", 10).toString(), "-X", "-q", "-A", "-t", "-v",
							"ON_ERROR_STOP=1", "-h", this.socket.toString(), "-p", Integer.toString(this.port), "-U",
							this.superuser, "-d",
							"dbname=" + dev.redoubt.core.pg.ConnectionSpec.conninfoValue(database), "-f", "-")),
					Map.of(), "psql", sql.getBytes(java.nio.charset.StandardCharsets.UTF_8));
		}

		/**
		 * Leaves the server running (a paused recovery that outlives this process): stops
		 * fetching WAL and forgets it. The caller stops it later by its data directory.
		 */
		public void detach() {
			this.closed = true;
			this.fetcher.close();
		}

		/** The recovered data directory. */
		public Path dataDirectory() {
			return this.data;
		}

		/**
		 * Stops the server (fast shutdown, with a checkpoint) and marks new history files
		 * for archiving; a throwaway cluster is stopped at once, without a checkpoint.
		 */
		@Override
		public void close() {
			if (this.closed) {
				return;
			}
			this.closed = true;
			try {
				this.server.stop(this.throwaway);
				if (!this.throwaway) {
					markHistoryForArchiving(this.data);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			finally {
				this.fetcher.close();
				DirectoryTree.delete(this.work);
			}
		}

	}

	/**
	 * The settings of a recovery whose cluster is read and thrown away: nothing is made
	 * durable (a crash loses only the copy), WAL is read ahead of replay and autovacuum
	 * never starts. {@code shared_buffers} stays the cluster's own: a smaller one made
	 * replay of a 640 MB table 5 s slower (the benchmark's source runs with 1 GB).
	 * Restartpoints still come as the cluster's {@code max_wal_size} says: each lets the
	 * segments replayed before it go, so the scratch disk holds the data and about that
	 * much WAL, not all the WAL replayed. With files left out, PostgreSQL must also
	 * tolerate WAL that refers to their zeroed pages.
	 */
	static Map<String, String> throwawaySettings(ServerVersion version, FileSelection files) {
		Map<String, String> settings = new java.util.LinkedHashMap<>();
		settings.put("fsync", "off");
		settings.put("synchronous_commit", "off");
		settings.put("full_page_writes", "off");
		settings.put("autovacuum", "off");
		settings.put("maintenance_io_concurrency", "32");
		if (version.major() >= 15) {
			settings.put("recovery_prefetch", "try");
			settings.put("wal_decode_buffer_size", "4MB");
		}
		if (files.isPartial()) {
			settings.put("ignore_invalid_pages", "on");
			// every WAL record on a left-out file's page logs two warnings: without their
			// CONTEXT lines (which filesWithInvalidPages does not read) the log is half
			// as
			// large; vacuum of a large unrelated table wrote 38 MB of it in a benchmark
			settings.put("log_error_verbosity", "terse");
		}
		return settings;
	}

	/**
	 * WAL segments replay went through: from the backup's start to where PostgreSQL says
	 * redo ended (every one, whether the server asked for it or it was fetched ahead).
	 */
	static int segmentsReplayed(BaseBackupManifest manifest, List<String> stoppedAt) {
		long start = WalNames.parseLsn(manifest.startLsn()) / manifest.walSegmentBytes();
		return stoppedAt.stream()
			.filter((line) -> line.startsWith("redo done at "))
			.map((line) -> line.substring("redo done at ".length()).split(" ")[0])
			.map((lsn) -> (int) (WalNames.parseLsn(lsn) / manifest.walSegmentBytes() - start + 1))
			.reduce((a, b) -> b)
			.orElse(0);
	}

	/**
	 * Waits until the server has promoted and accepts connections, or, for a paused
	 * recovery, until it has paused at the target (read-only).
	 */
	private static void awaitPromotion(Recovered recovered, RecoveryTarget target, boolean paused) throws IOException {
		Path signal = recovered.data.resolve("recovery.signal");
		long nextReport = System.nanoTime() + 5_000_000_000L;
		while (true) {
			if (!recovered.server.isAlive()) {
				throw failed(recovered, target);
			}
			if (paused ? Files.readString(recovered.logFile, StandardCharsets.UTF_8)
				.contains("pausing at the end of recovery") : !Files.exists(signal) && ready(recovered)) {
				return;
			}
			if (System.nanoTime() > nextReport) {
				log.info("replaying WAL: {} files fetched so far", recovered.fetcher.delivered());
				nextReport = System.nanoTime() + 5_000_000_000L;
			}
			try {
				Thread.sleep(50);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new RedoubtException(ErrorCode.INTERRUPTED, "interrupted during recovery");
			}
		}
	}

	/** Promoted and accepting connections (the end-of-recovery work is over). */
	private static boolean ready(Recovered recovered) throws IOException {
		return Files.readString(recovered.logFile, StandardCharsets.UTF_8)
			.contains("database system is ready to accept connections");
	}

	private static RedoubtException failed(Recovered recovered, RecoveryTarget target) throws IOException {
		String logText = Files.readString(recovered.logFile, StandardCharsets.UTF_8);
		String tail = ToolProcess.tail(logText);
		if (recovered.fetcher.failure().isPresent()) {
			RedoubtException cause = recovered.fetcher.failure().get();
			return new RedoubtException(cause.code(), "recovery to " + target + " stopped: " + cause.getMessage(),
					"the server's log is in " + recovered.logFile, cause);
		}
		if (logText.contains("recovery ended before configured recovery target was reached")) {
			return new RedoubtException(ErrorCode.WAL_GAP,
					"the WAL archive ends before " + target + ": PostgreSQL replayed all there is and stopped",
					"is the archiver running and caught up? (redoubt_wal_archive_lag_seconds); "
							+ "the server's log is in " + recovered.logFile,
					null);
		}
		return new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
				"PostgreSQL stopped during recovery to " + target + ": " + tail,
				"the server's log is in " + recovered.logFile, null);
	}

	private static void requireEmpty(Path data) {
		if (!Files.exists(data)) {
			return;
		}
		if (!Files.isDirectory(data)) {
			throw new RedoubtException(ErrorCode.TARGET_NOT_EMPTY, data + " exists and is not a directory");
		}
		if (Files.exists(data.resolve("postmaster.pid"))) {
			throw new RedoubtException(ErrorCode.TARGET_NOT_EMPTY,
					data + " holds a running (or crashed) cluster (postmaster.pid); nothing was changed",
					"restore into a new directory", null);
		}
		try (Stream<Path> entries = Files.list(data)) {
			if (entries.findAny().isPresent()) {
				throw new RedoubtException(ErrorCode.TARGET_NOT_EMPTY, data
						+ " is not empty; a physical restore needs an empty or absent directory; nothing was changed",
						"restore into a new directory, or move the old one aside", null);
			}
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.TARGET_NOT_EMPTY, "cannot read " + data + ": " + ex.getMessage(), ex);
		}
	}

	private static void createDataDirectory(Path data) throws IOException {
		Files.createDirectories(data);
		Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
		if (ToolProcess.runningAsRoot()) {
			Path parent = data.getParent();
			java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions = Files
				.getPosixFilePermissions(parent);
			if (permissions.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
				Files.setPosixFilePermissions(parent, permissions);
			}
			ToolProcess.handToServerUser(data);
		}
	}

	/** recovery.signal in, standby.signal out, an empty pg_wal/archive_status. */
	private static void prepare(Path data) throws IOException {
		Files.deleteIfExists(data.resolve("standby.signal"));
		for (Path made : List.of(Files.createDirectories(data.resolve("pg_wal/archive_status")),
				Files.write(data.resolve("recovery.signal"), new byte[0]))) {
			ToolProcess.handToServerUser(made);
		}
	}

	/**
	 * Replay ran without archiving, so the new timeline's history file has no
	 * {@code .ready}: mark it, so that once the cluster runs with archiving it is
	 * archived before its first segment.
	 */
	static void markHistoryForArchiving(Path data) {
		Path wal = data.resolve("pg_wal");
		try (Stream<Path> files = Files.list(wal)) {
			for (Path file : (Iterable<Path>) files::iterator) {
				String name = file.getFileName().toString();
				Path status = wal.resolve("archive_status");
				if (WalNames.isHistory(name) && !Files.exists(status.resolve(name + ".done"))
						&& !Files.exists(status.resolve(name + ".ready"))) {
					Path ready = Files.write(status.resolve(name + ".ready"), new byte[0]);
					ToolProcess.handToServerUser(ready);
				}
			}
		}
		catch (IOException ex) {
			log.warn("cannot mark new timeline history files for archiving in {}: {}", wal, ex.getMessage());
		}
	}

	/**
	 * A directory the server's user can reach, for the spool, the socket and the client.
	 */
	/** {@code work}, made, for a paused recovery that outlives this process. */
	private static Path workDirectory(Path work) {
		try {
			Files.createDirectories(work);
			Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot prepare " + work + ": " + ex, ex);
		}
		return work;
	}

	private static Path workDirectory() {
		Path work = DirectoryTree.createPrivateTemp("redoubt-recovery-");
		try {
			Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot prepare " + work + ": " + ex, ex);
		}
		return work;
	}

	/**
	 * The thin {@code wal-fetch} client, from this build, where the server can run it.
	 */
	static Path installClient(Path directory) throws IOException {
		Path client = directory.resolve("redoubt-wal.sh");
		try (InputStream script = WalArchive.class.getResourceAsStream("redoubt-wal.sh")) {
			if (script == null) {
				throw new RedoubtException(ErrorCode.INTERNAL, "redoubt-wal.sh is missing from this build");
			}
			Files.write(client, script.readAllBytes());
		}
		Files.setPosixFilePermissions(client, PosixFilePermissions.fromString("rwxr-xr-x"));
		return client;
	}

	private static List<String> grep(Path logFile, String... needles) throws IOException {
		List<String> lines = new ArrayList<>();
		for (String line : Files.readAllLines(logFile, StandardCharsets.UTF_8)) {
			for (String needle : needles) {
				if (line.contains(needle)) {
					lines.add(line.replaceFirst("^.*?(LOG|FATAL|ERROR): +", ""));
					break;
				}
			}
		}
		return lines;
	}

}
