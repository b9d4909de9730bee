package dev.redoubt.service.retention;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one retention run decided and did.
 *
 * @param source the source
 * @param dryRun whether anything was deleted
 * @param kept kept backups (logical and base) with the rules that keep them
 * @param expired backups whose manifests were (or would be) deleted
 * @param leftovers incomplete backups older than the grace period, deleted
 * @param inFlight incomplete backups kept: the source's lease is held, or they are
 * younger than the grace period (or committed since the listing)
 * @param lockedBackups expired backups kept because Object Lock still protects them
 * @param walSegments archived WAL segments no kept base backup needs, deleted
 * @param deletedObjects objects deleted, all regions counted
 * @param lockedObjects objects left because Object Lock protects them
 * @param lockedUntil the latest lock date among those, or {@code null}
 * @param sharedChunks the sweep of the chunks the source's backups share
 */
public record RetentionReport(String source, boolean dryRun, Map<String, Set<String>> kept, List<String> expired,
		List<String> leftovers, List<String> inFlight, List<String> lockedBackups, List<String> walSegments,
		long deletedObjects, long lockedObjects, Instant lockedUntil, SharedChunkSweep.Result sharedChunks) {
}
