package dev.redoubt.service.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.service.config.Fleet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code redoubt wal-push PATH} without {@code --spool}: archives one file in this
 * process. The launcher sends {@code wal-push --spool} to the thin shell client instead.
 */
@Command(name = "wal-push", mixinStandardHelpOptions = true,
		description = {
				"Archive one WAL file to every region (archive_command: %%p); exit 0 once every region holds it.",
				"This starts a JVM per file: for a busy server run 'redoubt wal-archiver' and use "
						+ "'redoubt wal-push --spool DIR %%p', which answers from it without a JVM." },
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class WalPushCommand implements Callable<Integer> {

	@Option(names = "--source", required = true, paramLabel = "NAME", description = "Source the cluster belongs to.")
	String source;

	@Parameters(index = "0", paramLabel = "PATH", description = "The WAL file (archive_command's %%p).")
	Path path;

	private final Fleet fleet;

	public WalPushCommand(Fleet fleet) {
		this.fleet = fleet;
	}

	@Override
	public Integer call() throws IOException {
		this.fleet.requireSource(this.source);
		byte[] content = Files.readAllBytes(this.path);
		try (Repository repository = this.fleet.openRepository(this.source)) {
			new WalArchive(repository, this.source).writer(this.fleet.backupSettings(this.source).compressionLevel())
				.push(this.path.getFileName().toString(), content, content.length);
		}
		return 0;
	}

}
