package dev.redoubt.restore.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;

/**
 * The process that owns a sandbox directory, recorded in it as {@code owner.properties}:
 * its pid and start time (a pid alone may be reused by an unrelated process after a
 * crash).
 *
 * @param pid the owner's process id
 * @param processStart when the owner started, as the operating system reports it
 */
record SandboxOwner(long pid, String processStart) {

	static final String FILE = "owner.properties";

	static SandboxOwner current() {
		return of(ProcessHandle.current());
	}

	private static SandboxOwner of(ProcessHandle process) {
		return new SandboxOwner(process.pid(), process.info().startInstant().map(Instant::toString).orElse("unknown"));
	}

	void writeTo(Path directory) throws IOException {
		Files.createDirectories(directory);
		String content = "pid=" + this.pid + "\nprocessStart=" + this.processStart + "\ncreated=" + Instant.now()
				+ "\n";
		Files.writeString(directory.resolve(FILE), content, StandardCharsets.UTF_8);
	}

	static Optional<SandboxOwner> readFrom(Path directory) {
		Properties properties = new Properties();
		try (var in = Files.newBufferedReader(directory.resolve(FILE), StandardCharsets.UTF_8)) {
			properties.load(in);
			return Optional.of(new SandboxOwner(Long.parseLong(properties.getProperty("pid", "-1").trim()),
					properties.getProperty("processStart", "unknown").trim()));
		}
		catch (IOException | NumberFormatException ex) {
			return Optional.empty();
		}
	}

	/** Whether the owning process still runs (the same process, not a reused pid). */
	boolean isAlive() {
		return ProcessHandle.of(this.pid)
			.filter(ProcessHandle::isAlive)
			.map((process) -> of(process).processStart().equals(this.processStart))
			.orElse(false);
	}

}
