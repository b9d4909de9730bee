package dev.redoubt.service.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged {@code redoubt.jar} as its own process, as a user would, and keeps
 * everything it printed for the secrets scan.
 */
final class CliProcess {

	static final List<String> TRANSCRIPTS = new CopyOnWriteArrayList<>();

	private CliProcess() {
	}

	record Run(int exit, String out, String err) {

		String all() {
			return this.out + this.err;
		}

	}

	/** The jar unpacked by the build (src/build/unpack-app.sh), as ./redoubt runs it. */
	private static final Path APP = Path.of("target", "redoubt-app").toAbsolutePath();

	/**
	 * The JVM of every run: as ./redoubt runs it (the unpacked jar, its
	 * class-data-sharing archive, the application context generated at build time, a 512
	 * MB heap, JVM warnings on stderr), and cheap to start where a test moves kilobytes,
	 * not gigabytes: the client compiler only, the serial collector and no codec warm-up.
	 * The suite starts a few hundred of these, two test classes at a time on 2 cores:
	 * from the fat jar without the archive, each start took three times the CPU.
	 */
	private static final List<String> JVM = jvm();

	private static List<String> jvm() {
		List<String> jvm = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xlog:disable", "-Xlog:all=warning:stderr", "-Xmx512m", "-Dspring.aot.enabled=true",
				"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dredoubt.codec-warmup=false"));
		if (Files.exists(APP.resolve("redoubt.jsa"))) {
			jvm.add("-XX:SharedArchiveFile=" + APP.resolve("redoubt.jsa"));
		}
		return List.copyOf(jvm);
	}

	/**
	 * The command line of {@code redoubt --config CONFIG ARGS} with extra JVM options.
	 */
	static List<String> command(Path config, List<String> jvmOptions, String... args) {
		Path jar = APP.resolve("redoubt.jar");
		if (!Files.exists(jar)) {
			throw new IllegalStateException(jar + " is missing: integration tests run after mvn package");
		}
		List<String> command = new ArrayList<>(JVM);
		command.addAll(jvmOptions);
		command.addAll(List.of("-jar", jar.toString(), "--config", config.toString()));
		command.addAll(List.of(args));
		return command;
	}

	static Run run(Path config, Map<String, String> environment, List<String> jvmOptions, String... args)
			throws IOException, InterruptedException {
		return runIn(Path.of("").toAbsolutePath(), config, environment, jvmOptions, args);
	}

	/** As {@link #run}, in another working directory. */
	static Run runIn(Path directory, Path config, Map<String, String> environment, List<String> jvmOptions,
			String... args) throws IOException, InterruptedException {
		ProcessBuilder builder = new ProcessBuilder(command(config, jvmOptions, args)).directory(directory.toFile());
		builder.environment().remove("PGPASSWORD");
		builder.environment().putAll(environment);
		Process process = builder.start();
		process.getOutputStream().close();
		CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
		CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
		if (!process.waitFor(5, TimeUnit.MINUTES)) {
			process.destroyForcibly();
			throw new IllegalStateException("redoubt " + String.join(" ", args) + " did not finish in 5 minutes");
		}
		Run run = new Run(process.exitValue(), out.join(), err.join());
		TRANSCRIPTS.add(String.join(" ", args) + "\n" + run.all());
		return run;
	}

	/**
	 * Starts a long-lived command (the WAL archiver) in the background, its output to
	 * {@code log}.
	 */
	static Process start(Path config, Path log, List<String> jvmOptions, String... args) throws IOException {
		return startIn(Path.of("").toAbsolutePath(), config, log, jvmOptions, args);
	}

	/** As {@link #start}, in another working directory (where ./.redoubt is). */
	static Process startIn(Path directory, Path config, Path log, List<String> jvmOptions, String... args)
			throws IOException {
		Process process = new ProcessBuilder(command(config, jvmOptions, args)).directory(directory.toFile())
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
			.start();
		process.getOutputStream().close();
		return process;
	}

	static Run run(Path config, String... args) throws IOException, InterruptedException {
		return run(config, Map.of(), List.of(), args);
	}

	private static String read(java.io.InputStream in) {
		try {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			return "";
		}
	}

}
