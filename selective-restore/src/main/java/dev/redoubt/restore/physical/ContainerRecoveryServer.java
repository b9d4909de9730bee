package dev.redoubt.restore.physical;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.IsRunningStartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.restore.sandbox.ContainerSandbox;

/**
 * The recovery's server in a {@code postgres:<major>} container. The container shares the
 * host's network (the server listens on the port and the private socket chosen for it, as
 * a local one would), sees the data directory and the recovery's work directory at their
 * own paths (the restore command, the spool it reads WAL from, the socket), and runs as
 * the owner of the data directory. It carries the sandbox labels, so a run that dies
 * leaves nothing the next run does not remove.
 */
final class ContainerRecoveryServer implements RecoveryServer {

	private final GenericContainer<?> container;

	private ContainerRecoveryServer(GenericContainer<?> container) {
		this.container = container;
	}

	/**
	 * Starts {@code command} (the server's arguments, starting with {@code postgres}) in
	 * a container, its output appended to {@code logFile}.
	 */
	static ContainerRecoveryServer start(int major, List<String> command, Path logFile, Path data, Path work) {
		ContainerSandbox.requireDocker();
		ContainerSandbox.removeStale();
		int uid;
		int gid;
		try {
			uid = (Integer) Files.getAttribute(data, "unix:uid");
			gid = (Integer) Files.getAttribute(data, "unix:gid");
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.SANDBOX_FAILED, "cannot read the owner of " + data + ": " + ex, ex);
		}
		List<String> arguments = new ArrayList<>(List.of(logFile.toString(), "postgres"));
		arguments.addAll(command.subList(1, command.size()));
		@SuppressWarnings("resource")
		GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse("postgres:" + major))
			.withNetworkMode("host")
			.withLabels(ContainerSandbox.labels())
			.withStartupCheckStrategy(new IsRunningStartupCheckStrategy())
			.waitingFor(new AbstractWaitStrategy() {
				@Override
				protected void waitUntilReady() {
					// the recovery waits for its own signs (the log, the socket)
				}
			})
			// binds set on the host configuration directly: withFileSystemBind would
			// first
			// probe file mounting with an alpine container, which no registry may supply
			.withCreateContainerCmdModifier((create) -> {
				create.withUser(uid + ":" + gid).withEntrypoint("sh", "-c", "log=$0; exec \"$@\" >>\"$log\" 2>&1");
				create.getHostConfig()
					.withBinds(new Bind(data.toString(), new Volume(data.toString())),
							new Bind(work.toString(), new Volume(work.toString())));
			})
			.withCommand(arguments.toArray(String[]::new));
		return new ContainerRecoveryServer(ContainerSandbox.startOrFail(container, major));
	}

	@Override
	public boolean isAlive() {
		return this.container.isRunning();
	}

	/** SIGINT is PostgreSQL's fast shutdown; then the container is removed. */
	@Override
	public void stop(boolean immediate) throws InterruptedException {
		DockerClient docker = DockerClientFactory.instance().client();
		String id = this.container.getContainerId();
		try {
			if (this.container.isRunning()) {
				// postgres: SIGINT is a fast shutdown, SIGQUIT an immediate one
				docker.killContainerCmd(id).withSignal(immediate ? "QUIT" : "INT").exec();
				docker.waitContainerCmd(id)
					.exec(new WaitContainerResultCallback())
					.awaitStatusCode(600, TimeUnit.SECONDS);
			}
		}
		catch (RuntimeException ex) {
			if (Thread.currentThread().isInterrupted()) {
				kill();
				throw new InterruptedException("interrupted while the recovery container stopped");
			}
		}
		finally {
			this.container.close();
		}
	}

	@Override
	public void kill() {
		this.container.close();
	}

	@Override
	public String kind() {
		return "testcontainers";
	}

}
