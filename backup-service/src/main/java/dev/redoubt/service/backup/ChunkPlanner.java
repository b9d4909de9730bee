package dev.redoubt.service.backup;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Splits tables into tasks: a table larger than one chunk is cut into {@code ctid} page
 * ranges of about one chunk each so that several workers share it; the last range is open
 * ended so rows on pages added after the size was read are not missed. Largest tasks
 * first, so no worker is left with a big table at the end.
 */
final class ChunkPlanner {

	private static final int PAGE_BYTES = 8192;

	/**
	 * A large object's grants by role name, as JSON ({@code [{"grantee": "alice" or null
	 * for PUBLIC, "privilege": "SELECT", "grantable": false}]}); {@code null} for the
	 * default privileges. Names, not an {@code aclitem[]}: a restore into a cluster that
	 * lacks a role can skip that grant instead of failing to read the list.
	 */
	private static final String LARGE_OBJECT_GRANTS = "CASE WHEN lomacl IS NULL THEN NULL ELSE"
			+ " (SELECT coalesce(json_agg(json_build_object('grantee', CASE WHEN a.grantee = 0 THEN NULL"
			+ " ELSE pg_catalog.pg_get_userbyid(a.grantee) END, 'privilege', a.privilege_type,"
			+ " 'grantable', a.is_grantable) ORDER BY a.grantee, a.privilege_type), '[]')"
			+ " FROM pg_catalog.aclexplode(lomacl) a) END";

	private ChunkPlanner() {
	}

	static List<ChunkTask> plan(List<TableSource> tables, long chunkBytes, boolean largeObjects) {
		long pagesPerTask = Math.max(1, chunkBytes / PAGE_BYTES);
		List<ChunkTask> tasks = new ArrayList<>();
		for (TableSource table : tables) {
			String select = "SELECT " + table.columnList() + " FROM ONLY " + table.qualifiedName();
			String key = Long.toString(table.oid());
			if (table.pages() <= pagesPerTask) {
				tasks.add(new ChunkTask(key, 0, "COPY (" + select + ") TO STDOUT", table.keyIndex(), table.pages()));
				continue;
			}
			int index = 0;
			for (long from = 0; from < table.pages(); from += pagesPerTask) {
				long to = from + pagesPerTask;
				String range = " WHERE ctid >= '(" + from + ",0)'::tid"
						+ ((to >= table.pages()) ? "" : " AND ctid < '(" + to + ",0)'::tid");
				tasks.add(new ChunkTask(key, index++, "COPY (" + select + range + ") TO STDOUT", table.keyIndex(),
						Math.min(pagesPerTask, table.pages() - from)));
			}
		}
		if (largeObjects) {
			tasks.add(new ChunkTask(
					ChunkTask.LARGE_OBJECTS, 0, "COPY (SELECT oid, lo_get(oid), pg_catalog.pg_get_userbyid(lomowner), "
							+ LARGE_OBJECT_GRANTS + " FROM pg_catalog.pg_largeobject_metadata ORDER BY oid) TO STDOUT",
					0, Long.MAX_VALUE));
		}
		tasks.sort(Comparator.comparingLong(ChunkTask::estimatedPages).reversed());
		return tasks;
	}

}
