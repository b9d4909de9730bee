package dev.redoubt.core.error;

/**
 * The one exception type that reaches the CLI: a catalogued {@link ErrorCode}, a
 * lower-case message naming the object, region and values involved, and an optional hint
 * with the likely fix.
 *
 * <p>
 * Messages must never contain secrets: build them from names and identifiers, not from
 * connection strings or key material.
 */
public class RedoubtException extends RuntimeException {

	private final ErrorCode code;

	private final String hint;

	public RedoubtException(ErrorCode code, String message) {
		this(code, message, null, null);
	}

	public RedoubtException(ErrorCode code, String message, Throwable cause) {
		this(code, message, null, cause);
	}

	public RedoubtException(ErrorCode code, String message, String hint, Throwable cause) {
		super(message, cause);
		this.code = code;
		this.hint = hint;
	}

	public ErrorCode code() {
		return this.code;
	}

	/** The likely fix, or {@code null}. */
	public String hint() {
		return this.hint;
	}

	/** Message and hint, as the CLI prints them. */
	public String describe() {
		return (this.hint != null) ? getMessage() + "\nHINT: " + this.hint : getMessage();
	}

}
