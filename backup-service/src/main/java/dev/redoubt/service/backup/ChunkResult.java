package dev.redoubt.service.backup;

import dev.redoubt.core.manifest.ChunkRef;

/**
 * A stored chunk and where it falls in its table.
 *
 * @param tableKey the table it belongs to
 * @param taskIndex its task's position in the table
 * @param sequence its position within the task
 * @param chunk the manifest entry
 */
record ChunkResult(String tableKey, int taskIndex, int sequence, ChunkRef chunk) {
}
