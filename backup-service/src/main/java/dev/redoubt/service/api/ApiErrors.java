package dev.redoubt.service.api;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.redoubt.core.error.RedoubtException;

/**
 * Errors as the CLI's JSON gives them: a stable code and a message (which by design never
 * holds a secret), with an HTTP status that fits.
 */
@RestControllerAdvice(basePackages = "dev.redoubt.service.api")
@ConditionalOnWebApplication
public class ApiErrors {

	@ExceptionHandler(RedoubtException.class)
	ResponseEntity<Map<String, Object>> redoubt(RedoubtException ex) {
		HttpStatus status = switch (ex.code()) {
			case UNKNOWN_SOURCE, BACKUP_NOT_FOUND -> HttpStatus.NOT_FOUND;
			case CONFIG_INVALID, INVALID_SELECTION -> HttpStatus.BAD_REQUEST;
			default -> HttpStatus.INTERNAL_SERVER_ERROR;
		};
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("code", ex.code().name().toLowerCase().replace('_', '-'));
		body.put("message", ex.getMessage());
		return ResponseEntity.status(status).body(body);
	}

}
