package dev.redoubt.service.catalog;

import java.util.ArrayList;
import java.util.List;

import org.springframework.stereotype.Component;

import dev.redoubt.core.repository.Repository;
import dev.redoubt.service.config.Fleet;

/**
 * Keeps the catalog a copy of the repository: a source is rescanned after each of its
 * jobs, and {@link #rebuild} reconstructs every source from the repository alone.
 */
@Component
public class Catalog {

	private final Fleet fleet;

	private final CatalogStore store;

	public Catalog(Fleet fleet, CatalogStore store) {
		this.fleet = fleet;
		this.store = store;
	}

	/** Rescans one source and replaces its catalog entries. */
	public CatalogEntries refresh(String source) {
		CatalogEntries entries = scan(source);
		this.store.replace(entries);
		return entries;
	}

	/**
	 * Rescans every source, then replaces the whole catalog: a source that cannot be read
	 * fails the rebuild before anything in the catalog changed.
	 */
	public List<CatalogEntries> rebuild() {
		this.store.createSchema();
		List<CatalogEntries> all = new ArrayList<>();
		for (String source : this.fleet.sources().keySet()) {
			all.add(scan(source));
		}
		this.store.clear();
		all.forEach(this.store::replace);
		return all;
	}

	public CatalogEntries read(String source) {
		return this.store.read(source);
	}

	private CatalogEntries scan(String source) {
		try (Repository repository = this.fleet.openRepository(source)) {
			return new CatalogScanner(repository).scan(source);
		}
	}

}
