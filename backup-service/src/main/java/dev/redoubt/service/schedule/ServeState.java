package dev.redoubt.service.schedule;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * The running service's scheduler, once {@code serve} has validated the configuration and
 * started it; stopped with the application context.
 */
@Component
public class ServeState implements DisposableBean {

	private volatile FleetScheduler scheduler;

	void started(FleetScheduler scheduler) {
		this.scheduler = scheduler;
	}

	public FleetScheduler scheduler() {
		FleetScheduler current = this.scheduler;
		if (current == null) {
			throw new RedoubtException(ErrorCode.INTERNAL, "the scheduler is not running (yet)");
		}
		return current;
	}

	public boolean running() {
		return this.scheduler != null;
	}

	@Override
	public void destroy() {
		FleetScheduler current = this.scheduler;
		this.scheduler = null;
		if (current != null) {
			current.close();
		}
	}

}
