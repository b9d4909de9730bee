package dev.redoubt.core.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * A process as another process can recognise it later: the machine (boot id and PID
 * namespace), its PID and when it started. Leases and sandboxes record it, so that a
 * later run on the same machine knows a holder that died without cleaning up ({@code kill
 * -9}, a crash) for dead at once, instead of waiting for an expiry.
 *
 * @param machine boot id and PID namespace, or {@code null} where Linux does not say
 * @param pid the process id
 * @param processStart when the process started (ISO-8601), or {@code null}
 */
public record ProcessIdentity(String machine, long pid, String processStart) {

	/** This process. */
	public static ProcessIdentity current() {
		ProcessHandle self = ProcessHandle.current();
		return new ProcessIdentity(thisMachine().orElse(null), self.pid(),
				self.info().startInstant().map(Instant::toString).orElse(null));
	}

	/**
	 * True only when this process runs on the same machine, in the same PID namespace,
	 * and the process is gone (or its PID now belongs to a later process). Never true for
	 * a process on another machine: that one may be alive.
	 */
	public boolean knownDead() {
		Optional<String> here = thisMachine();
		if (this.machine == null || here.isEmpty() || !here.get().equals(this.machine)) {
			return false;
		}
		Optional<ProcessHandle> process = ProcessHandle.of(this.pid);
		if (process.isEmpty() || !process.get().isAlive()) {
			return true;
		}
		String started = process.get().info().startInstant().map(Instant::toString).orElse(null);
		return this.processStart != null && started != null && !started.equals(this.processStart);
	}

	/** As one string (a container label): {@code machine|pid|start}. */
	public String encode() {
		return this.machine + "|" + this.pid + "|" + this.processStart;
	}

	/** The identity {@link #encode} wrote, or empty if {@code text} is not one. */
	public static Optional<ProcessIdentity> decode(String text) {
		String[] parts = (text != null) ? text.split("\\|", -1) : new String[0];
		if (parts.length != 3) {
			return Optional.empty();
		}
		try {
			return Optional.of(new ProcessIdentity("null".equals(parts[0]) ? null : parts[0], Long.parseLong(parts[1]),
					"null".equals(parts[2]) ? null : parts[2]));
		}
		catch (NumberFormatException ex) {
			return Optional.empty();
		}
	}

	/** This machine's host name, or {@code unknown}. */
	public static String hostName() {
		try {
			return java.net.InetAddress.getLocalHost().getHostName();
		}
		catch (java.net.UnknownHostException ex) {
			return "unknown";
		}
	}

	private static Optional<String> thisMachine() {
		try {
			String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
			String namespace = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
			return Optional.of(boot + "/" + namespace);
		}
		catch (IOException | UnsupportedOperationException | SecurityException ex) {
			return Optional.empty();
		}
	}

}
