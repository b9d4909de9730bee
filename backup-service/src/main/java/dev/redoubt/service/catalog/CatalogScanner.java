package dev.redoubt.service.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.repository.BackupListing;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.repository.VerificationRecord;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.core.wal.WalNames;

/**
 * Reads a source's catalog entries from its repository alone: manifests, verification
 * records and the WAL listing. The catalog is rebuilt from this, so losing the metadata
 * database loses nothing.
 */
public final class CatalogScanner {

	private final Repository repository;

	public CatalogScanner(Repository repository) {
		this.repository = repository;
	}

	public CatalogEntries scan(String source) {
		List<CatalogEntries.Backup> backups = new ArrayList<>();
		List<CatalogEntries.Verification> verifications = new ArrayList<>();
		String area = BaseBackupManifest.area(source);
		for (BackupListing listing : this.repository.list(source)) {
			if (!listing.restorable()) {
				continue;
			}
			Manifest manifest = this.repository.readManifest(source, listing.id());
			backups
				.add(new CatalogEntries.Backup(listing.id().value(), "logical", status(listing), manifest.startedAt(),
						manifest.completedAt(), manifest.allChunks().stream().mapToLong(ChunkRef::storedBytes).sum(),
						manifest.tables().stream().mapToLong(TableEntry::rows).sum()));
			verifications.addAll(verifications(this.repository.verifications(source, listing.id())));
		}
		for (BackupListing listing : this.repository.list(area)) {
			if (!listing.restorable()) {
				continue;
			}
			BaseBackupManifest manifest = this.repository.readManifest(area, listing.id(), BaseBackupManifest.class);
			backups.add(new CatalogEntries.Backup(listing.id().value(), "base", status(listing), manifest.startedAt(),
					manifest.completedAt(), manifest.chunks().stream().mapToLong(ChunkRef::storedBytes).sum(), -1));
			verifications.addAll(verifications(this.repository.verifications(area, listing.id())));
		}
		backups.sort((a, b) -> b.id().compareTo(a.id()));
		return new CatalogEntries(source, backups, verifications, wal(source));
	}

	private static String status(BackupListing listing) {
		return listing.status().name().toLowerCase();
	}

	private static List<CatalogEntries.Verification> verifications(List<VerificationRecord> records) {
		return records.stream()
			.map((record) -> new CatalogEntries.Verification(record.backupId(), record.region(), record.finishedAt(),
					record.verified(), record.restoreSeconds(),
					record.checks()
						.stream()
						.filter((check) -> !"passed".equals(check.status()) && !"skipped".equals(check.status()))
						.map(VerificationRecord.Check::id)
						.toList()))
			.toList();
	}

	private List<CatalogEntries.WalWindow> wal(String source) {
		Map<Integer, List<String>> byTimeline = new TreeMap<>();
		for (String name : new WalArchive(this.repository, source).list().names()) {
			if (WalNames.isSegment(name)) {
				byTimeline.computeIfAbsent(WalNames.timeline(name), (k) -> new ArrayList<>()).add(name);
			}
		}
		List<CatalogEntries.WalWindow> windows = new ArrayList<>();
		byTimeline.forEach((timeline, names) -> {
			names.sort(null);
			windows
				.add(new CatalogEntries.WalWindow(timeline, names.get(0), names.get(names.size() - 1), names.size()));
		});
		return windows;
	}

}
