package dev.redoubt.restore.physical;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.redoubt.core.pg.ToolProcess;

/** The recovery's server as a child process, stopped by {@code pg_ctl}. */
final class LocalRecoveryServer implements RecoveryServer {

	private final Process process;

	private final Path pgCtl;

	private final Path data;

	LocalRecoveryServer(Process process, Path pgCtl, Path data) {
		this.process = process;
		this.pgCtl = pgCtl;
		this.data = data;
	}

	@Override
	public boolean isAlive() {
		return this.process.isAlive();
	}

	@Override
	public void stop(boolean immediate) throws InterruptedException {
		try {
			if (this.process.isAlive()) {
				ToolProcess.run(ToolProcess.asServerUser(List.of(this.pgCtl.toString(), "-D", this.data.toString(),
						"-m", immediate ? "immediate" : "fast", "-w", "-t", "600", "stop")), Map.of(), "pg_ctl stop");
			}
			this.process.waitFor();
		}
		catch (InterruptedException ex) {
			kill();
			throw ex;
		}
	}

	@Override
	public void kill() {
		this.process.destroyForcibly();
	}

	@Override
	public String kind() {
		return "local";
	}

}
