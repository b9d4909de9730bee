package dev.redoubt.core.concurrent;

import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * Runs a fixed number of workers, each draining shared work, on threads of their own
 * (blocking database and network calls must not occupy the small common fork-join pool,
 * which has one thread on a 2-core machine), and waits for all of them: a worker that
 * fails does not stop the others, and the first failure is rethrown when every worker has
 * finished.
 */
public final class Workers {

	private Workers() {
	}

	/**
	 * @param count workers to run
	 * @param threadName name of their threads
	 * @param worker the work of worker {@code i}
	 * @throws RedoubtException the first worker's failure (a {@code RedoubtException} as
	 * thrown, anything else as {@code INTERNAL})
	 */
	public static void run(int count, String threadName, IntFunction<Runnable> worker) {
		ExecutorService pool = Executors.newFixedThreadPool(count, (runnable) -> {
			Thread thread = new Thread(runnable, threadName);
			thread.setDaemon(true);
			return thread;
		});
		RuntimeException failure = null;
		try {
			CompletionService<Void> running = new ExecutorCompletionService<>(pool);
			for (int i = 0; i < count; i++) {
				running.submit(worker.apply(i), null);
			}
			for (int i = 0; i < count; i++) {
				try {
					running.take().get();
				}
				catch (ExecutionException ex) {
					if (failure == null) {
						failure = (ex.getCause() instanceof RedoubtException redoubt) ? redoubt : new RedoubtException(
								ErrorCode.INTERNAL, threadName + " failed: " + ex.getCause(), ex.getCause());
					}
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			failure = new RedoubtException(ErrorCode.INTERRUPTED, "interrupted while " + threadName + " ran");
		}
		finally {
			pool.shutdownNow();
		}
		if (failure != null) {
			throw failure;
		}
	}

}
