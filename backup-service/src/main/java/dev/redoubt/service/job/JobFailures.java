package dev.redoubt.service.job;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/** Turns a job execution that did not complete back into the error that failed it. */
public final class JobFailures {

	private JobFailures() {
	}

	/**
	 * Throws the catalogued error that failed {@code execution}, if it did not complete.
	 * @param what names the job in the message of an uncatalogued failure
	 */
	public static void rethrow(JobExecution execution, String what) {
		if (execution.getStatus() == BatchStatus.COMPLETED) {
			return;
		}
		for (Throwable failure : execution.getAllFailureExceptions()) {
			Throwable cause = failure;
			while (cause != null && !(cause instanceof RedoubtException)) {
				cause = cause.getCause();
			}
			if (cause != null) {
				throw (RedoubtException) cause;
			}
		}
		throw new RedoubtException(ErrorCode.INTERNAL,
				what + " ended " + execution.getStatus() + ": " + execution.getAllFailureExceptions());
	}

}
