package dev.redoubt.core.sample;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.LocalCluster;

/**
 * Sample data for the demo and the tests: Pagila (a real schema with partitions, domains,
 * enums, triggers, views, a materialized view and a non-ASCII identifier; MIT licence, in
 * {@code pagila/LICENSE.txt} beside it) and a "kitchen sink" of every kind of table a
 * logical backup must carry.
 */
public final class SampleDatabase {

	private SampleDatabase() {
	}

	/** Creates {@code database} and loads Pagila and the kitchen sink into it. */
	public static void create(LocalCluster cluster, String database, Path scratch) {
		cluster.psql("postgres", "-c", "CREATE DATABASE " + database);
		load(cluster, database, scratch, "pagila/pagila-schema.sql", "pagila/pagila-data.sql", "kitchen-sink.sql");
	}

	/**
	 * Runs the named SQL resources of this package against {@code database}, in order.
	 */
	public static void load(LocalCluster cluster, String database, Path scratch, String... resources) {
		for (String resource : resources) {
			Path file = scratch.resolve(resource.replace('/', '-'));
			try (InputStream in = SampleDatabase.class.getResourceAsStream(resource)) {
				if (in == null) {
					throw new IllegalArgumentException("no sample resource " + resource);
				}
				Files.createDirectories(scratch);
				Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
			}
			catch (IOException ex) {
				throw new RedoubtException(ErrorCode.INTERNAL, "cannot extract sample " + resource + ": " + ex, ex);
			}
			try {
				cluster.psql(database, "-f", file.toString());
			}
			finally {
				try {
					Files.deleteIfExists(file);
				}
				catch (IOException ex) {
					// scratch file
				}
			}
		}
	}

}
