package dev.redoubt.core.key;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * Every key a repository uses, derived with HKDF-SHA256 from one 32-byte master key file
 * so that an operator has one secret to keep: the key-encryption key that wraps each
 * backup's random data key, the Ed25519 manifest signing key, and the HMAC key that names
 * chunks.
 */
public final class RepositoryKeys {

	private static final SecureRandom RANDOM = new SecureRandom();

	private final KeyEncryptionKey keyEncryptionKey;

	private final ManifestSigningKey signingKey;

	private final byte[] chunkIdKey;

	/**
	 * The seed of the sources' shared chunk keys, or {@code null} where data keys are
	 * wrapped for OpenPGP recipients (the master key must not read what it writes).
	 */
	private final byte[] sharedChunkSeed;

	private RepositoryKeys(KeyEncryptionKey keyEncryptionKey, ManifestSigningKey signingKey, byte[] chunkIdKey,
			byte[] sharedChunkSeed) {
		this.keyEncryptionKey = keyEncryptionKey;
		this.signingKey = signingKey;
		this.chunkIdKey = chunkIdKey;
		this.sharedChunkSeed = sharedChunkSeed;
	}

	/**
	 * Reads a key file holding 32 bytes: raw, 64 hex digits, or base64 (as
	 * {@code openssl rand -base64 32} writes).
	 */
	public static RepositoryKeys fromKeyFile(Path file) {
		return fromKeyFile(file, null);
	}

	/**
	 * The master key file plus OpenPGP keys: data keys are wrapped for the recipients'
	 * public keys; a backup wrapped that way is unwrapped with the secret key.
	 */
	public static RepositoryKeys fromKeyFile(Path file, OpenPgp openPgp) {
		byte[] master = readMasterKey(file);
		KeyEncryptionKey symmetric = new SymmetricKeyEncryptionKey(master);
		KeyEncryptionKey kek = symmetric;
		if (openPgp != null && (!openPgp.publicKeys().isEmpty() || openPgp.secretKey() != null)) {
			OpenPgpKeyEncryptionKey pgp = new OpenPgpKeyEncryptionKey(
					OpenPgpKeyEncryptionKey.readPublicKeys(openPgp.publicKeys()),
					(openPgp.secretKey() != null) ? OpenPgpKeyEncryptionKey.readSecretKeys(openPgp.secretKey()) : null,
					openPgp.passphrase());
			kek = new ByType(openPgp.publicKeys().isEmpty() ? symmetric : pgp, symmetric, pgp);
		}
		boolean writesForRecipients = OpenPgpKeyEncryptionKey.TYPE.equals(kek.type());
		return new RepositoryKeys(kek, ManifestSigningKey.fromSeed(Hkdf.derive(master, "manifest signing v1", 32)),
				Hkdf.derive(master, "chunk id v1", 32),
				writesForRecipients ? null : Hkdf.derive(master, "shared chunk data v2", 32));
	}

	/**
	 * OpenPGP key material.
	 *
	 * @param publicKeys recipients' public key files (armored or binary); backups are
	 * encrypted to all of them
	 * @param secretKey a secret key file to read backups with, or {@code null} on a host
	 * that only writes
	 * @param passphrase the secret key's passphrase, or {@code null}
	 */
	public record OpenPgp(java.util.List<Path> publicKeys, Path secretKey, dev.redoubt.core.secret.Secret passphrase) {
	}

	/** Wraps with the configured kind; unwraps with whichever kind wrapped the key. */
	private record ByType(KeyEncryptionKey writer, KeyEncryptionKey symmetric,
			KeyEncryptionKey openPgp) implements KeyEncryptionKey {

		@Override
		public String type() {
			return this.writer.type();
		}

		@Override
		public WrappedDataKey wrap(byte[] dataKey, String backupId) {
			return this.writer.wrap(dataKey, backupId);
		}

		@Override
		public byte[] unwrap(WrappedDataKey wrapped, String backupId) {
			return OpenPgpKeyEncryptionKey.TYPE.equals(wrapped.type()) ? this.openPgp.unwrap(wrapped, backupId)
					: this.symmetric.unwrap(wrapped, backupId);
		}

	}

	/** Writes a new random key file, readable by its owner only. */
	public static void generateKeyFile(Path file) throws IOException {
		byte[] master = new byte[32];
		RANDOM.nextBytes(master);
		// created private: never a moment in which another user can open it; never over
		// an
		// existing key (a backup written with it could not be read any more)
		try {
			Files.createFile(file, java.nio.file.attribute.PosixFilePermissions
				.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
		}
		catch (UnsupportedOperationException ex) {
			Files.createFile(file);
		}
		Files.writeString(file, Base64.getEncoder().encodeToString(master) + "\n", StandardCharsets.US_ASCII);
	}

	/**
	 * Refuses a key file that others than its owner may read or write, as ssh refuses
	 * such a private key: whoever reads it reads every backup.
	 */
	private static void requirePrivate(Path file) {
		try {
			java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions = Files
				.getPosixFilePermissions(file);
			java.util.Set<java.nio.file.attribute.PosixFilePermission> others = java.util.EnumSet.of(
					java.nio.file.attribute.PosixFilePermission.GROUP_READ,
					java.nio.file.attribute.PosixFilePermission.GROUP_WRITE,
					java.nio.file.attribute.PosixFilePermission.OTHERS_READ,
					java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE);
			others.retainAll(permissions);
			if (!others.isEmpty()) {
				throw new RedoubtException(ErrorCode.CONFIG_INVALID,
						"key file " + file + " is readable or writable by others than its owner (mode "
								+ java.nio.file.attribute.PosixFilePermissions.toString(permissions) + ")",
						"chmod 600 " + file, null);
			}
		}
		catch (UnsupportedOperationException ex) {
			// not a POSIX filesystem: nothing to check
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"cannot read key file " + file + ": " + ex.getMessage(), ex);
		}
	}

	private static byte[] readMasterKey(Path file) {
		requirePrivate(file);
		byte[] raw;
		try {
			raw = Files.readAllBytes(file);
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"cannot read key file " + file + ": " + ex.getMessage(),
					"set redoubt.encryption.key-file to a readable file; create one with ./redoubt key-generate", ex);
		}
		if (raw.length == 32) {
			return raw;
		}
		String text = new String(raw, StandardCharsets.US_ASCII).trim();
		try {
			if (text.length() == 64 && text.matches("[0-9a-fA-F]+")) {
				return HexFormat.of().parseHex(text);
			}
			byte[] decoded = Base64.getDecoder().decode(text);
			if (decoded.length == 32) {
				return decoded;
			}
		}
		catch (IllegalArgumentException ex) {
			// fall through to the error below
		}
		throw new RedoubtException(ErrorCode.CONFIG_INVALID,
				"key file " + file + " must hold 32 bytes (raw, 64 hex digits or base64); it holds " + raw.length
						+ " bytes",
				"create one with ./redoubt key-generate --out FILE or openssl rand -base64 32", null);
	}

	public KeyEncryptionKey keyEncryptionKey() {
		return this.keyEncryptionKey;
	}

	public ManifestSigningKey signingKey() {
		return this.signingKey;
	}

	public byte[] chunkIdKey() {
		return this.chunkIdKey;
	}

	/**
	 * The data key of every backup of {@code source} whose chunks are shared: the same
	 * for all of them, so that a chunk stored by one is read by the next
	 * ({@code K_shared = HKDF(HKDF(M, "shared chunk data v2"), "source|" + source)}, each
	 * chunk then under a key of its own derived from it). Empty when data keys are
	 * wrapped for OpenPGP recipients: a host that only writes must not be able to read,
	 * so its backups keep a fresh key each and share nothing.
	 */
	public java.util.Optional<byte[]> sharedDataKey(String source) {
		return (this.sharedChunkSeed == null) ? java.util.Optional.empty()
				: java.util.Optional.of(Hkdf.derive(this.sharedChunkSeed, "source|" + source, 32));
	}

	/** A fresh random data key for one backup. */
	public static byte[] newDataKey() {
		byte[] key = new byte[32];
		RANDOM.nextBytes(key);
		return key;
	}

}
