package dev.redoubt.service.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.service.config.Fleet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code redoubt wal-fetch NAME PATH} without {@code --spool}: fetches one file in this
 * process, for a standby's {@code restore_command}. Exit 1 means "no such file"; every
 * failure exits above 125, which makes PostgreSQL stop instead of ending recovery early.
 */
@Command(name = "wal-fetch", mixinStandardHelpOptions = true,
		description = { "Fetch one archived WAL file (restore_command: %%f %%p).",
				"Exit 0: written to PATH; 1: the archive has no such file; 255: any other failure (PostgreSQL "
						+ "then stops recovery instead of taking the failure for the end of the archive)." })
public class WalFetchCommand implements Callable<Integer> {

	/** Above 125: PostgreSQL treats the failure as fatal, not as a missing file. */
	static final int FATAL = 255;

	@Option(names = "--source", required = true, paramLabel = "NAME", description = "Source the cluster belongs to.")
	String source;

	@Option(names = "--partial",
			description = "Where the archive ends, answer with what wal-stream received of that segment (for a "
					+ "recovery to the latest point; not for a standby that goes on streaming).")
	boolean partial;

	@Parameters(index = "0", paramLabel = "NAME", description = "The WAL file's name (%%f).")
	String name;

	@Parameters(index = "1", paramLabel = "PATH", description = "Where to write it (%%p).")
	Path path;

	private final Fleet fleet;

	public WalFetchCommand(Fleet fleet) {
		this.fleet = fleet;
	}

	@Override
	public Integer call() {
		try (Repository repository = this.fleet.openRepository(this.source)) {
			WalArchive archive = new WalArchive(repository, this.source);
			Optional<byte[]> content = this.partial ? archive.fetchOrStreamed(this.name) : archive.fetch(this.name);
			if (content.isEmpty()) {
				return 1;
			}
			Path temp = this.path.resolveSibling(this.path.getFileName() + ".redoubt-tmp");
			Files.write(temp, content.get());
			Files.move(temp, this.path, StandardCopyOption.REPLACE_EXISTING);
			return 0;
		}
		catch (Exception ex) {
			System.err.println("redoubt wal-fetch: " + this.name + ": " + ex.getMessage());
			return FATAL;
		}
	}

}
