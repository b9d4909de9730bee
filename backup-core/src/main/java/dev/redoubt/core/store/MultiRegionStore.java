package dev.redoubt.core.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * Every region of a repository behind one store: writes go to all regions in parallel and
 * succeed only when every region holds the object; reads take the first region that
 * returns an object that passes the caller's check, falling back region by region per
 * object.
 */
public final class MultiRegionStore implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(MultiRegionStore.class);

	private final List<ObjectStore> regions;

	private final ExecutorService uploads;

	public MultiRegionStore(List<ObjectStore> regions) {
		if (regions.isEmpty()) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "no repository region is configured",
					"add at least one entry under redoubt.repositories", null);
		}
		this.regions = List.copyOf(regions);
		this.uploads = Executors.newCachedThreadPool((runnable) -> {
			Thread thread = new Thread(runnable, "redoubt-upload");
			thread.setDaemon(true);
			return thread;
		});
	}

	public List<ObjectStore> regions() {
		return this.regions;
	}

	/**
	 * Creates the object in every region at once; returns only when all hold it.
	 * @throws RedoubtException the first region's failure; other regions may hold the
	 * object
	 */
	public void createEverywhere(String key, byte[] data, int length) {
		createEverywhere(key, data, length, (String) null);
	}

	/**
	 * As {@link #createEverywhere(String, byte[], int)}, for bytes whose SHA-256 is known
	 * ({@link ObjectStore#create(String, byte[], int, int, String)}; {@code null}: not
	 * known, each region hashes if it needs to).
	 */
	public void createEverywhere(String key, byte[] data, int length, String sha256Hex) {
		List<CompletableFuture<Void>> writes = new ArrayList<>();
		for (ObjectStore region : this.regions) {
			writes.add(CompletableFuture.runAsync(() -> region.create(key, data, 0, length, sha256Hex), this.uploads));
		}
		awaitAll(writes);
	}

	/**
	 * Creates the object in every region at once, where a region that holds an object of
	 * that key already is asked to {@code existing}: it returns if that copy is the same
	 * (an idempotent retry) and throws if it is not. Nothing is ever overwritten.
	 */
	public void createEverywhere(String key, byte[] data, int length, ExistingCopy existing) {
		List<CompletableFuture<Void>> writes = new ArrayList<>();
		for (ObjectStore region : this.regions) {
			writes.add(CompletableFuture.runAsync(() -> {
				try {
					region.create(key, data, 0, length);
				}
				catch (RedoubtException ex) {
					if (ex.code() != ErrorCode.OBJECT_EXISTS) {
						throw ex;
					}
					existing.check(region);
				}
			}, this.uploads));
		}
		awaitAll(writes);
	}

	/**
	 * Creates the object in every region {@code holds} says lacks it, at once; a region
	 * where it appeared meanwhile ({@code OBJECT_EXISTS}) is left as it is. For objects
	 * whose key names their content (shared chunks): a copy there is this object, and a
	 * later size check catches one that is not.
	 * @return how many regions were written
	 */
	public int createWhereMissing(String key, byte[] data, int length, String sha256Hex,
			java.util.function.Predicate<ObjectStore> holds) {
		List<CompletableFuture<Void>> writes = new ArrayList<>();
		for (ObjectStore region : this.regions) {
			if (holds.test(region)) {
				continue;
			}
			writes.add(CompletableFuture.runAsync(() -> {
				try {
					region.create(key, data, 0, length, sha256Hex);
				}
				catch (RedoubtException ex) {
					if (ex.code() != ErrorCode.OBJECT_EXISTS) {
						throw ex;
					}
				}
			}, this.uploads));
		}
		awaitAll(writes);
		return writes.size();
	}

	/** Deletes the object in every region; a region without it is not an error. */
	public void deleteEverywhere(String key) {
		for (ObjectStore region : this.regions) {
			region.delete(key);
		}
	}

	/**
	 * Creates the object region by region, in configuration order. A region that already
	 * holds these very bytes (another process finished the write) is passed; one that
	 * holds other bytes throws {@code OBJECT_EXISTS}.
	 */
	public void createInOrder(String key, byte[] data, RegionWritten afterEach) {
		for (ObjectStore region : this.regions) {
			try {
				region.create(key, data, 0, data.length);
			}
			catch (RedoubtException ex) {
				if (ex.code() != ErrorCode.OBJECT_EXISTS
						|| !region.read(key).map((copy) -> java.util.Arrays.equals(copy, data)).orElse(false)) {
					throw ex;
				}
			}
			afterEach.written(region);
		}
	}

	/**
	 * Reads an object from the first region whose copy passes {@code check}; a region
	 * that lacks the object, fails, or returns bytes the check rejects is logged and the
	 * next one is tried.
	 * @return the accepted bytes, or empty if no region has the object
	 * @throws RedoubtException the last region's failure if some region has the object
	 * but none returned an acceptable copy
	 */
	public <T> Optional<T> readFirstHealthy(String key, CopyCheck<T> check) {
		RedoubtException lastFailure = null;
		for (ObjectStore region : this.regions) {
			try {
				Optional<byte[]> bytes = region.read(key);
				if (bytes.isEmpty()) {
					log.warn("object {} is missing in region {}", key, region.name());
					continue;
				}
				return Optional.of(check.accept(region, bytes.get()));
			}
			catch (RedoubtException ex) {
				log.warn("object {} in region {}: {}", key, region.name(), ex.getMessage());
				lastFailure = (lastFailure == null || ex.code() != ErrorCode.REGION_UNREACHABLE) ? ex : lastFailure;
			}
		}
		if (lastFailure != null) {
			throw lastFailure;
		}
		return Optional.empty();
	}

	private static void awaitAll(List<CompletableFuture<Void>> writes) {
		try {
			CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof RedoubtException redoubt) {
				throw redoubt;
			}
			throw new RedoubtException(ErrorCode.INTERNAL, "upload failed: " + ex.getCause(), ex.getCause());
		}
	}

	@Override
	public void close() {
		this.uploads.shutdownNow();
	}

	/** Accepts or rejects one region's copy of an object, turning it into a value. */
	@FunctionalInterface
	public interface CopyCheck<T> {

		/**
		 * @throws RedoubtException naming what is wrong with this copy
		 */
		T accept(ObjectStore region, byte[] bytes);

	}

	/** Judges a copy that a region held before a create. */
	@FunctionalInterface
	public interface ExistingCopy {

		/**
		 * @throws RedoubtException if the region's copy is not the object being created
		 */
		void check(ObjectStore region);

	}

	/** Called after each region has durably written an object. */
	@FunctionalInterface
	public interface RegionWritten {

		void written(ObjectStore region);

	}

}
