package dev.redoubt.service.dashboard;

/**
 * A source's state at a glance, worst first: {@code RED} when its backups cannot be
 * trusted to bring it back (never backed up, the newest verification failed, the newest
 * drill failed), {@code AMBER} when something is late or unproven, {@code GREEN} else.
 */
public enum Health {

	RED, AMBER, GREEN;

	/** The CSS class and the word shown. */
	public String label() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

}
