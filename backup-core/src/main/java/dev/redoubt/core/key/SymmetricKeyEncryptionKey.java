package dev.redoubt.core.key;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import dev.redoubt.core.codec.Hex;
import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * Wraps data keys with AES-256-GCM under a key derived from the operator's key file. The
 * backup id is bound as associated data, so a wrapped key cannot be moved to another
 * backup.
 *
 * <pre>
 * wrapped = base64(nonce[12] || GCM(K_wrap, nonce, "redoubt data key v1|" || backupId, dataKey))
 * </pre>
 */
final class SymmetricKeyEncryptionKey implements KeyEncryptionKey {

	static final String TYPE = "key-file";

	private static final SecureRandom RANDOM = new SecureRandom();

	private final byte[] wrapKey;

	private final String id;

	SymmetricKeyEncryptionKey(byte[] master) {
		this.wrapKey = Hkdf.derive(master, "kek v1", 32);
		this.id = Hex.of(Hkdf.derive(master, "key id v1", 8));
	}

	String id() {
		return this.id;
	}

	@Override
	public String type() {
		return TYPE;
	}

	@Override
	public WrappedDataKey wrap(byte[] dataKey, String backupId) {
		try {
			byte[] nonce = new byte[12];
			RANDOM.nextBytes(nonce);
			Cipher cipher = cipher(Cipher.ENCRYPT_MODE, nonce, backupId);
			byte[] sealed = cipher.doFinal(dataKey);
			byte[] out = ByteBuffer.allocate(12 + sealed.length).put(nonce).put(sealed).array();
			return new WrappedDataKey(TYPE, List.of(this.id), Base64.getEncoder().encodeToString(out));
		}
		catch (GeneralSecurityException ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot wrap the data key of backup " + backupId, ex);
		}
	}

	@Override
	public byte[] unwrap(WrappedDataKey wrapped, String backupId) {
		if (!TYPE.equals(wrapped.type())) {
			throw new RedoubtException(ErrorCode.WRONG_KEY,
					"backup " + backupId + " was encrypted with an " + wrapped.type()
							+ " key, but a key file is configured",
					"configure the key the backup was written with", null);
		}
		if (!wrapped.keyIds().contains(this.id)) {
			throw wrongKey(backupId, wrapped, null);
		}
		try {
			byte[] in = Base64.getDecoder().decode(wrapped.wrapped());
			Cipher cipher = cipher(Cipher.DECRYPT_MODE, java.util.Arrays.copyOf(in, 12), backupId);
			return cipher.doFinal(in, 12, in.length - 12);
		}
		catch (AEADBadTagException ex) {
			throw wrongKey(backupId, wrapped, ex);
		}
		catch (GeneralSecurityException | IllegalArgumentException ex) {
			throw new RedoubtException(ErrorCode.CORRUPT_OBJECT,
					"the wrapped data key of backup " + backupId + " is malformed: " + ex.getMessage(), ex);
		}
	}

	private RedoubtException wrongKey(String backupId, WrappedDataKey wrapped, Exception cause) {
		return new RedoubtException(ErrorCode.WRONG_KEY,
				"the configured key (id " + this.id + ") cannot decrypt backup " + backupId
						+ ", which was written with key id " + String.join(",", wrapped.keyIds()),
				"set redoubt.encryption.key-file to the key file the backup was written with", cause);
	}

	private Cipher cipher(int mode, byte[] nonce, String backupId) throws GeneralSecurityException {
		Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
		cipher.init(mode, new SecretKeySpec(this.wrapKey, "AES"), new GCMParameterSpec(128, nonce));
		cipher.updateAAD(("redoubt data key v1|" + backupId).getBytes(StandardCharsets.UTF_8));
		return cipher;
	}

}
