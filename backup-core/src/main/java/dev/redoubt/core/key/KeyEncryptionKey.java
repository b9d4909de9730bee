package dev.redoubt.core.key;

/**
 * Wraps and unwraps per-backup data keys. A writer needs only {@link #wrap}; the key that
 * can {@link #unwrap} may live elsewhere (OpenPGP: backups are written with public keys
 * and read with a private key kept off the database host).
 */
public interface KeyEncryptionKey {

	/** {@code key-file} or {@code openpgp}. */
	String type();

	WrappedDataKey wrap(byte[] dataKey, String backupId);

	/**
	 * @throws dev.redoubt.core.error.RedoubtException with code {@code WRONG_KEY} if this
	 * key cannot unwrap it
	 */
	byte[] unwrap(WrappedDataKey wrapped, String backupId);

}
