package dev.redoubt.service.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A long-lived command's life: running until SIGTERM (or SIGINT), whose shutdown hook
 * waits until the work has wound down, so that nothing under way is cut off.
 */
final class UntilStopped implements AutoCloseable {

	private final AtomicBoolean running = new AtomicBoolean(true);

	private final CountDownLatch stopped = new CountDownLatch(1);

	private final Thread hook;

	UntilStopped(String name) {
		Thread main = Thread.currentThread();
		this.hook = new Thread(() -> {
			this.running.set(false);
			try {
				this.stopped.await();
			}
			catch (InterruptedException ex) {
				main.interrupt();
			}
		}, name + "-stop");
		Runtime.getRuntime().addShutdownHook(this.hook);
	}

	boolean running() {
		return this.running.get();
	}

	/** The work has wound down: the shutdown hook may let the JVM end. */
	@Override
	public void close() {
		this.stopped.countDown();
	}

}
