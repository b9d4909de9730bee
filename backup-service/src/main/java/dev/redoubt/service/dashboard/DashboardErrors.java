package dev.redoubt.service.dashboard;

import java.time.Clock;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.ModelAndView;

import dev.redoubt.core.error.RedoubtException;

/**
 * The dashboard's errors as a page: an unknown source or backup (404), a bad request
 * (400), a repository that cannot be read (503), each with its message.
 */
@ControllerAdvice(assignableTypes = DashboardController.class)
@ConditionalOnWebApplication
public class DashboardErrors {

	private final Clock clock;

	public DashboardErrors(Clock clock) {
		this.clock = clock;
	}

	@ExceptionHandler(ResponseStatusException.class)
	ModelAndView status(ResponseStatusException ex) {
		return page(ex.getStatusCode(), ex.getReason());
	}

	@ExceptionHandler(RedoubtException.class)
	ModelAndView redoubt(RedoubtException ex) {
		return page(HttpStatus.SERVICE_UNAVAILABLE, ex.getMessage());
	}

	private ModelAndView page(HttpStatusCode status, String message) {
		ModelAndView page = new ModelAndView("error");
		page.setStatus(status);
		page.addObject("status", status.value());
		page.addObject("message", message);
		page.addObject("format", new Format(this.clock.instant()));
		return page;
	}

}
