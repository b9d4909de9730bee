package dev.redoubt.service.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The top-level {@code redoubt} command. */
@Command(name = "redoubt", mixinStandardHelpOptions = true, version = "redoubt 0.1.0",
		description = "Disaster-recovery backup and verified restore for PostgreSQL.",
		subcommands = { BackupCommand.class, InfoCommand.class, RestoreCommand.class, VerifyCommand.class,
				RepoCheckCommand.class, WalArchiverCommand.class, WalStreamCommand.class, WalPushCommand.class,
				WalFetchCommand.class, ExpireCommand.class, dev.redoubt.service.schedule.ServeCommand.class,
				dev.redoubt.service.catalog.CatalogCommand.class, DemoCommand.class, KeyGenerateCommand.class,
				WarmupCommand.class, DrillCommand.class, IncidentCommand.class, TimeTravelCommand.class,
				CheckpointCommand.class, RefreshCommand.class },
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class RedoubtCommand implements Runnable {

	@Option(names = "--config", paramLabel = "FILE",
			description = "Configuration file (YAML, keys under redoubt.*); default ./redoubt.yaml. "
					+ "Environment variables override it as in Spring Boot (REDOUBT_SOURCES_MAIN_PASSWORD, ...).")
	String config;

	@Override
	public void run() {
		new picocli.CommandLine(this).usage(System.out);
	}

}
