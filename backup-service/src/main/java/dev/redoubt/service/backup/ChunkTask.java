package dev.redoubt.service.backup;

/**
 * One unit of work for a worker: a {@code COPY ... TO STDOUT} of a whole small table, of
 * a page range of a large one (a TID range scan, PostgreSQL 14+), or of the large
 * objects.
 *
 * @param tableKey which table (or {@code large-objects}) the rows belong to
 * @param index order of this task within its table
 * @param sql the COPY statement
 * @param keyIndex position of the integer key column in each row, or -1
 * @param estimatedPages pages to read, to run the largest tasks first
 */
record ChunkTask(String tableKey, int index, String sql, int keyIndex, long estimatedPages) {

	static final String LARGE_OBJECTS = "large-objects";

}
