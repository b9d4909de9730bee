package dev.redoubt.service.catalog;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code redoubt catalog}: the metadata database's catalog. */
@Command(name = "catalog", mixinStandardHelpOptions = true, subcommands = CatalogCommand.Rebuild.class,
		description = "The catalog of backups, verifications and WAL in the metadata database.")
public class CatalogCommand implements Runnable {

	@Spec
	CommandSpec spec;

	@Override
	public void run() {
		this.spec.commandLine().usage(this.spec.commandLine().getOut());
	}

	/** {@code redoubt catalog rebuild}. */
	@Command(name = "rebuild", mixinStandardHelpOptions = true,
			description = "Rebuilds the catalog of every source from the repository alone (after losing or "
					+ "replacing the metadata database). Reads every source first; replaces the catalog only "
					+ "if all could be read.")
	public static class Rebuild implements Callable<Integer> {

		@Spec
		CommandSpec spec;

		private final Catalog catalog;

		public Rebuild(Catalog catalog) {
			this.catalog = catalog;
		}

		@Override
		public Integer call() {
			List<CatalogEntries> all = this.catalog.rebuild();
			PrintWriter out = this.spec.commandLine().getOut();
			for (CatalogEntries entries : all) {
				out.printf("%s: %d backup(s), %d verification(s), %d WAL timeline(s)%n", entries.source(),
						entries.backups().size(), entries.verifications().size(), entries.wal().size());
			}
			out.printf("catalog rebuilt from the repository: %d source(s)%n", all.size());
			out.flush();
			return 0;
		}

	}

}
