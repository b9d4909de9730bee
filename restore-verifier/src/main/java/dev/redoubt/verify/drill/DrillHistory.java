package dev.redoubt.verify.drill;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.repository.Repository;

/** Past drills of a source, from their signed records in every region. */
public final class DrillHistory {

	private static final Logger log = LoggerFactory.getLogger(DrillHistory.class);

	private DrillHistory() {
	}

	/**
	 * The source's drills, oldest first; a record that cannot be read, or that names
	 * another source (a record copied from elsewhere), is left out.
	 */
	public static List<DrillReport> read(Repository repository, String source) {
		List<DrillReport> drills = new ArrayList<>();
		for (byte[] json : repository.drills(source)) {
			try {
				DrillReport report = ManifestCodec.json().readValue(json, DrillReport.class);
				if (source.equals(report.source())) {
					drills.add(report);
				}
				else {
					log.warn("a drill record of {} names source {}: left out", source, report.source());
				}
			}
			catch (RuntimeException ex) {
				log.warn("a drill record of {} is left out: {}", source, ex.getMessage());
			}
		}
		drills.sort(Comparator.comparing(DrillReport::disasterAt));
		return drills;
	}

	/** The newest drill of the source, if any. */
	public static Optional<DrillReport> newest(Repository repository, String source) {
		List<DrillReport> drills = read(repository, source);
		return drills.isEmpty() ? Optional.empty() : Optional.of(drills.get(drills.size() - 1));
	}

	/**
	 * The region the next drill declares lost: the one after the newest drill's in
	 * {@code inTurn} (the first if no drill lost one of them).
	 */
	public static String nextRegion(List<DrillReport> history, List<String> inTurn) {
		for (int i = history.size() - 1; i >= 0; i--) {
			int index = inTurn.indexOf(history.get(i).lostRegion());
			if (index >= 0) {
				return inTurn.get((index + 1) % inTurn.size());
			}
		}
		return inTurn.get(0);
	}

}
