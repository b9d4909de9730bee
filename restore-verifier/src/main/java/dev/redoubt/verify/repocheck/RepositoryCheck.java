package dev.redoubt.verify.repocheck;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.codec.Digests;
import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.manifest.SignedJson;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.repository.RepositoryLayout;
import dev.redoubt.core.store.ObjectInfo;
import dev.redoubt.core.store.ObjectStore;

/**
 * Checks a source's repository without restoring anything: every object of every complete
 * backup is read from every region and verified (manifest and verification-record
 * signatures, chunk sizes and SHA-256 against the signed manifest). Missing, corrupt and
 * orphaned objects are listed; with repair, a bad or missing copy is rewritten from a
 * region whose copy verifies, and orphans (objects in a complete backup that its manifest
 * does not name) are removed. Backups without a manifest (interrupted or running) are
 * reported and left alone.
 */
public final class RepositoryCheck {

	private static final Logger log = LoggerFactory.getLogger(RepositoryCheck.class);

	private final Repository repository;

	public RepositoryCheck(Repository repository) {
		this.repository = repository;
	}

	/** The chunks a manifest names: a logical backup's, or a base backup's tar stream. */
	private List<ChunkRef> chunksOf(byte[] manifest, String id) {
		String where = "manifest of backup " + id;
		if (ManifestCodec.json()
			.readTree(dev.redoubt.core.manifest.SignedJson.split(manifest).json())
			.path("type")
			.asString("")
			.equals(dev.redoubt.core.manifest.BaseBackupManifest.TYPE)) {
			return ManifestCodec
				.decode(manifest, this.repository.keys().signingKey(), where,
						dev.redoubt.core.manifest.BaseBackupManifest.class)
				.chunks();
		}
		return ManifestCodec.decode(manifest, this.repository.keys().signingKey(), where).allChunks();
	}

	/**
	 * @param onlyRegion check only this region (the others still serve as sources of good
	 * copies), or {@code null} for all
	 * @throws RedoubtException {@code REGION_UNREACHABLE} and kin when a region cannot be
	 * listed: a check that cannot see a region must not call it healthy
	 */
	public RepositoryCheckReport run(String source, String onlyRegion, boolean repair) {
		List<ObjectStore> all = this.repository.store().regions();
		List<ObjectStore> checked = all.stream()
			.filter((r) -> onlyRegion == null || r.name().equals(onlyRegion))
			.toList();
		if (checked.isEmpty()) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "no region named '" + onlyRegion + "'; configured: "
					+ all.stream().map(ObjectStore::name).toList());
		}
		String prefix = RepositoryLayout.backupsPrefix(source);
		String shared = RepositoryLayout.sharedChunksPrefix(source);
		Map<String, Map<String, Long>> listings = new LinkedHashMap<>();
		for (ObjectStore region : all) {
			Map<String, Long> objects = new LinkedHashMap<>();
			for (String listed : List.of(prefix, shared)) {
				for (ObjectInfo object : region.list(listed)) {
					objects.put(object.key(), object.size());
				}
			}
			listings.put(region.name(), objects);
		}
		Set<String> ids = new TreeSet<>();
		Set<String> withManifest = new TreeSet<>();
		listings.values().forEach((objects) -> objects.keySet().forEach((key) -> {
			String id = backupIdOf(prefix, key);
			if (id != null) {
				ids.add(id);
				if (key.equals(RepositoryLayout.manifest(source, BackupId.parse(id)))) {
					withManifest.add(id);
				}
			}
		}));
		List<Problem> problems = new ArrayList<>();
		long[] objects = { 0 };
		int backups = 0;
		// every chunk of every complete backup, by key: what a copy must match to be good
		Map<String, ChunkRef> chunks = new LinkedHashMap<>();
		Map<String, Set<String>> checkedChunks = new LinkedHashMap<>();
		for (String id : withManifest) {
			BackupId backupId = BackupId.parse(id);
			Optional<byte[]> reference = goodManifest(all, source, backupId);
			if (reference.isEmpty()) {
				for (ObjectStore region : checked) {
					problems.add(new Problem("corrupt", region.name(), RepositoryLayout.manifest(source, backupId),
							"no region holds a manifest that verifies", false));
				}
				continue;
			}
			backups++;
			// a chunk stored twice in one backup is one object: check it once
			Map<String, ChunkRef> distinct = new LinkedHashMap<>();
			chunksOf(reference.get(), id).forEach((chunk) -> distinct.putIfAbsent(chunk.key(), chunk));
			chunks.putAll(distinct);
			for (ObjectStore region : checked) {
				Map<String, Long> listed = listings.get(region.name());
				checkManifest(region, source, backupId, reference.get(), listed, problems, objects);
				Set<String> checkedInRegion = checkedChunks.computeIfAbsent(region.name(), (r) -> new HashSet<>());
				for (ChunkRef chunk : distinct.values()) {
					// a chunk shared by several backups is read once
					if (checkedInRegion.add(chunk.key())) {
						checkChunk(region, chunk, listed, problems, objects);
					}
				}
				String backupPrefix = RepositoryLayout.backupPrefix(source, backupId);
				String records = RepositoryLayout.verificationsPrefix(source, backupId);
				for (String key : listed.keySet()) {
					if (!key.startsWith(backupPrefix) || distinct.containsKey(key)
							|| key.equals(RepositoryLayout.manifest(source, backupId))) {
						continue;
					}
					if (key.startsWith(records)) {
						checkRecord(region, key, problems, objects);
					}
					else {
						problems.add(new Problem("orphan", region.name(), key,
								"not named by the manifest of complete backup " + id, false));
					}
				}
			}
		}
		List<String> incomplete = ids.stream().filter((id) -> !withManifest.contains(id)).toList();
		for (ObjectStore region : checked) {
			for (String key : listings.get(region.name()).keySet()) {
				// a shared chunk no manifest names is not repo-check's to remove:
				// retention
				// sweeps it under the source's lease, past the grace period
				if (backupIdOf(prefix, key) == null && !key.startsWith(shared)) {
					problems.add(new Problem("orphan", region.name(), key, "not inside any backup", false));
				}
			}
		}
		if (repair) {
			problems = repair(problems, all, chunks);
		}
		return new RepositoryCheckReport(source, checked.stream().map(ObjectStore::name).toList(), backups, objects[0],
				List.copyOf(problems), incomplete);
	}

	private static String backupIdOf(String prefix, String key) {
		if (!key.startsWith(prefix)) {
			return null;
		}
		String rest = key.substring(prefix.length());
		int slash = rest.indexOf('/');
		return (slash > 0 && BackupId.looksLikeId(rest.substring(0, slash))) ? rest.substring(0, slash) : null;
	}

	/** The first manifest copy whose signature verifies. */
	private Optional<byte[]> goodManifest(List<ObjectStore> regions, String source, BackupId id) {
		String key = RepositoryLayout.manifest(source, id);
		for (ObjectStore region : regions) {
			try {
				Optional<byte[]> bytes = region.read(key);
				if (bytes.isPresent()) {
					ManifestCodec.decode(bytes.get(), this.repository.keys().signingKey(), key);
					return bytes;
				}
			}
			catch (RedoubtException ex) {
				log.warn("manifest {} in region {}: {}", key, region.name(), ex.getMessage());
			}
		}
		return Optional.empty();
	}

	private void checkManifest(ObjectStore region, String source, BackupId id, byte[] reference,
			Map<String, Long> listed, List<Problem> problems, long[] objects) {
		String key = RepositoryLayout.manifest(source, id);
		if (!listed.containsKey(key)) {
			problems.add(new Problem("missing", region.name(), key, "manifest missing", false));
			return;
		}
		objects[0]++;
		byte[] bytes = region.read(key).orElse(null);
		if (bytes == null) {
			problems.add(new Problem("missing", region.name(), key, "manifest missing", false));
			return;
		}
		try {
			ManifestCodec.decode(bytes, this.repository.keys().signingKey(), key);
		}
		catch (RedoubtException ex) {
			problems.add(new Problem("corrupt", region.name(), key, ex.getMessage(), false));
		}
	}

	private static void checkChunk(ObjectStore region, ChunkRef chunk, Map<String, Long> listed, List<Problem> problems,
			long[] objects) {
		if (!listed.containsKey(chunk.key())) {
			problems.add(new Problem("missing", region.name(), chunk.key(), "chunk missing", false));
			return;
		}
		objects[0]++;
		Optional<byte[]> bytes = region.read(chunk.key());
		if (bytes.isEmpty()) {
			problems.add(new Problem("missing", region.name(), chunk.key(), "chunk missing", false));
			return;
		}
		String problem = chunkProblem(chunk, bytes.get());
		if (problem != null) {
			problems.add(new Problem("corrupt", region.name(), chunk.key(), problem, false));
		}
	}

	/** Why a chunk's stored bytes do not match its manifest entry, or {@code null}. */
	static String chunkProblem(ChunkRef chunk, byte[] bytes) {
		if (bytes.length != chunk.storedBytes()) {
			return bytes.length + " bytes, the manifest records " + chunk.storedBytes() + " (truncated or extended)";
		}
		String sha = Digests.sha256(bytes, 0, bytes.length);
		return sha.equals(chunk.storedSha256()) ? null
				: "sha256 " + sha + ", the manifest records " + chunk.storedSha256();
	}

	private void checkRecord(ObjectStore region, String key, List<Problem> problems, long[] objects) {
		objects[0]++;
		try {
			byte[] bytes = region.read(key).orElseThrow();
			SignedJson.verify(SignedJson.split(bytes), this.repository.keys().signingKey(), key);
		}
		catch (RuntimeException ex) {
			problems.add(new Problem("corrupt", region.name(), key, "verification record: " + ex.getMessage(), false));
		}
	}

	/**
	 * Rewrites each missing or corrupt copy from a region whose copy verifies, and
	 * removes orphans; a problem with no good copy anywhere stays unrepaired.
	 */
	private List<Problem> repair(List<Problem> problems, List<ObjectStore> regions, Map<String, ChunkRef> chunks) {
		List<Problem> result = new ArrayList<>();
		for (Problem problem : problems) {
			ObjectStore target = regions.stream()
				.filter((r) -> r.name().equals(problem.region()))
				.findFirst()
				.orElseThrow();
			if (problem.kind().equals("orphan")) {
				target.delete(problem.key());
				log.info("repair: removed orphan {} in region {}", problem.key(), target.name());
				result.add(problem.repairedNow());
				continue;
			}
			Optional<byte[]> good = healthyCopy(problem, regions, chunks);
			if (good.isEmpty()) {
				log.warn("repair: no region holds a good copy of {}", problem.key());
				result.add(problem);
				continue;
			}
			if (problem.kind().equals("corrupt")) {
				target.delete(problem.key());
			}
			target.create(problem.key(), good.get());
			log.info("repair: rewrote {} in region {} from a healthy copy", problem.key(), target.name());
			result.add(problem.repairedNow());
		}
		return result;
	}

	private Optional<byte[]> healthyCopy(Problem problem, List<ObjectStore> regions, Map<String, ChunkRef> chunks) {
		for (ObjectStore region : regions) {
			if (region.name().equals(problem.region())) {
				continue;
			}
			Optional<byte[]> bytes = region.read(problem.key());
			if (bytes.isPresent() && verifies(problem.key(), bytes.get(), chunks.get(problem.key()))) {
				return bytes;
			}
		}
		return Optional.empty();
	}

	/**
	 * Whether a copy is good: the hash its manifest records, or (a manifest or record) a
	 * signature that verifies.
	 */
	private boolean verifies(String key, byte[] bytes, ChunkRef chunk) {
		if (chunk != null) {
			return chunkProblem(chunk, bytes) == null;
		}
		try {
			SignedJson.verify(SignedJson.split(bytes), this.repository.keys().signingKey(), key);
			return true;
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

}
