package dev.redoubt.service.cli;

import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.ApplicationContext;

import picocli.CommandLine;

/**
 * The {@code redoubt} process: a Spring Boot application without a web server that runs
 * one picocli command and exits with its status.
 */
@SpringBootApplication(scanBasePackages = "dev.redoubt.service")
@ConfigurationPropertiesScan("dev.redoubt.service.config")
public class RedoubtApplication implements CommandLineRunner, ExitCodeGenerator {

	private final ApplicationContext context;

	private int exitCode;

	public RedoubtApplication(ApplicationContext context) {
		this.context = context;
	}

	/** Commands that move chunks through the codecs, and gain from warming them up. */
	private static final java.util.Set<String> CODEC_COMMANDS = java.util.Set.of("backup", "restore", "verify", "demo");

	public static void main(String[] args) {
		// the JIT compiles the codecs on the second core while Spring starts on the
		// first;
		// -Dredoubt.codec-warmup=false saves that CPU where little data moves
		if (Boolean.parseBoolean(System.getProperty("redoubt.codec-warmup", "true"))
				&& java.util.Arrays.stream(args).anyMatch(CODEC_COMMANDS::contains)) {
			dev.redoubt.core.codec.CodecWarmup.startInBackground();
		}
		System.exit(execute(args));
	}

	/**
	 * Runs one command line in a fresh application context and returns the exit status.
	 */
	public static int execute(String... args) {
		String command = commandOf(args);
		boolean help = java.util.Arrays.stream(args)
			.anyMatch((arg) -> java.util.List.of("-h", "--help", "-V", "--version").contains(arg));
		if (!help) {
			// strict, before Spring reads it: Spring would skip a missing file, ignore an
			// unknown key and print a parse error with the offending line
			try {
				dev.redoubt.service.config.ConfigurationFile.check(java.nio.file.Path.of(configLocation(args)),
						configNamed(args));
			}
			catch (dev.redoubt.core.error.RedoubtException ex) {
				System.err.println("redoubt: " + ex.code().summary() + ": " + ex.describe());
				return ex.code().exitCode();
			}
		}
		// help needs no database and no web server
		boolean metadata = METADATA_COMMANDS.contains(command) && !help;
		if (metadata) {
			// the build's ahead-of-time context is the one-shot CLI's (no web server, an
			// in-memory job repository); these commands need conditions evaluated now
			System.setProperty("spring.aot.enabled", "false");
		}
		SpringApplication application = new SpringApplication(RedoubtApplication.class);
		if (metadata) {
			application.setAdditionalProfiles(
					"serve".equals(command) ? new String[] { "metadata", "serve" } : new String[] { "metadata" });
		}
		application.setDefaultProperties(
				java.util.Map.of("spring.config.additional-location", "optional:file:" + configLocation(args)));
		// arguments belong to picocli, not to Spring's property sources
		application.setAddCommandLineProperties(false);
		org.springframework.context.ConfigurableApplicationContext context = application.run(args);
		if ("serve".equals(command) && context.getBean(RedoubtApplication.class).getExitCode() == 0
				&& context.getBean(dev.redoubt.service.schedule.ServeState.class).running()) {
			// serve has started its scheduler and returned, so the application is ready
			// (readiness UP); it runs until the JVM is stopped, which closes the context
			awaitClose(context);
		}
		return SpringApplication.exit(context);
	}

	private static void awaitClose(org.springframework.context.ConfigurableApplicationContext context) {
		java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
		context.addApplicationListener(
				(org.springframework.context.ApplicationListener<org.springframework.context.event.ContextClosedEvent>) (
						event) -> closed.countDown());
		try {
			while (context.isActive() && !closed.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
				// the shutdown hook closes the context on SIGTERM
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Commands that use the metadata database (the Quartz cluster, the job repository and
	 * the catalog) rather than an in-memory job repository.
	 */
	private static final java.util.Set<String> METADATA_COMMANDS = java.util.Set.of("serve", "catalog");

	/** The subcommand's name: the first argument that is not the global option. */
	static String commandOf(String[] args) {
		for (int i = 0; i < args.length; i++) {
			if (args[i].equals("--config")) {
				i++;
				continue;
			}
			if (!args[i].startsWith("--config=")) {
				return args[i];
			}
		}
		return "";
	}

	/** Whether the global {@code --config} option names a file. */
	static boolean configNamed(String[] args) {
		return java.util.Arrays.stream(args).anyMatch((arg) -> arg.equals("--config") || arg.startsWith("--config="));
	}

	/**
	 * The file named by the global {@code --config} option, read before Spring starts.
	 */
	static String configLocation(String[] args) {
		for (int i = 0; i < args.length; i++) {
			if (args[i].equals("--config") && i + 1 < args.length) {
				return args[i + 1];
			}
			if (args[i].startsWith("--config=")) {
				return args[i].substring("--config=".length());
			}
		}
		return "./redoubt.yaml";
	}

	@Override
	public void run(String... args) {
		CommandLine commandLine = new CommandLine(RedoubtCommand.class, new SpringFactory(this.context));
		commandLine.setExecutionExceptionHandler(new ErrorHandler());
		this.exitCode = commandLine.execute(args);
	}

	@Override
	public int getExitCode() {
		return this.exitCode;
	}

}
