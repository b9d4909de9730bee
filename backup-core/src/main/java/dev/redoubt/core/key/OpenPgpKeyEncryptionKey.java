package dev.redoubt.core.key;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.Iterator;
import java.util.List;

import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openpgp.PGPEncryptedData;
import org.bouncycastle.openpgp.PGPEncryptedDataGenerator;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPLiteralDataGenerator;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRingCollection;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.jcajce.JcaPGPObjectFactory;
import org.bouncycastle.openpgp.operator.jcajce.JcaKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.jcajce.JcePBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePGPDataEncryptorBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePublicKeyDataDecryptorFactoryBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePublicKeyKeyEncryptionMethodGenerator;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.secret.Secret;

/**
 * Wraps data keys for one or more OpenPGP recipients (Bouncy Castle): the host that
 * writes backups holds only their public keys, and only a holder of one of the secret
 * keys can read the backups. The wrapped key is a binary OpenPGP message (AES-256,
 * integrity protected) holding the 32-byte data key, base64 in the manifest.
 */
final class OpenPgpKeyEncryptionKey implements KeyEncryptionKey {

	static final String TYPE = "openpgp";

	private static final BouncyCastleProvider PROVIDER = new BouncyCastleProvider();

	private final List<PGPPublicKey> recipients;

	private final PGPSecretKeyRingCollection secretKeys;

	private final Secret passphrase;

	OpenPgpKeyEncryptionKey(List<PGPPublicKey> recipients, PGPSecretKeyRingCollection secretKeys, Secret passphrase) {
		this.recipients = List.copyOf(recipients);
		this.secretKeys = secretKeys;
		this.passphrase = passphrase;
	}

	/** Reads the encryption key of every armored or binary public key file. */
	static List<PGPPublicKey> readPublicKeys(List<Path> files) {
		List<PGPPublicKey> keys = new ArrayList<>();
		for (Path file : files) {
			try (InputStream in = PGPUtil.getDecoderStream(Files.newInputStream(file))) {
				PGPPublicKeyRingCollection rings = new PGPPublicKeyRingCollection(in,
						new JcaKeyFingerprintCalculator());
				PGPPublicKey found = null;
				for (Iterator<PGPPublicKeyRing> it = rings.getKeyRings(); it.hasNext() && found == null;) {
					for (Iterator<PGPPublicKey> keyIt = it.next().getPublicKeys(); keyIt.hasNext();) {
						PGPPublicKey key = keyIt.next();
						if (key.isEncryptionKey() && !key.hasRevocation()) {
							found = key;
						}
					}
				}
				if (found == null) {
					throw new RedoubtException(ErrorCode.CONFIG_INVALID,
							"OpenPGP key file " + file + " holds no usable encryption key");
				}
				keys.add(found);
			}
			catch (IOException | PGPException ex) {
				throw new RedoubtException(ErrorCode.CONFIG_INVALID,
						"cannot read OpenPGP public key file " + file + ": " + ex.getMessage(), ex);
			}
		}
		return keys;
	}

	static PGPSecretKeyRingCollection readSecretKeys(Path file) {
		try (InputStream in = PGPUtil.getDecoderStream(Files.newInputStream(file))) {
			return new PGPSecretKeyRingCollection(in, new JcaKeyFingerprintCalculator());
		}
		catch (IOException | PGPException ex) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"cannot read OpenPGP secret key file " + file + ": " + ex.getMessage(), ex);
		}
	}

	@Override
	public String type() {
		return TYPE;
	}

	@Override
	public WrappedDataKey wrap(byte[] dataKey, String backupId) {
		if (this.recipients.isEmpty()) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"no OpenPGP public key is configured to encrypt backups to",
					"set redoubt.encryption.openpgp.public-keys", null);
		}
		try {
			PGPEncryptedDataGenerator generator = new PGPEncryptedDataGenerator(
					new JcePGPDataEncryptorBuilder(PGPEncryptedData.AES_256).setWithIntegrityPacket(true)
						.setSecureRandom(new SecureRandom())
						.setProvider(PROVIDER));
			List<String> ids = new ArrayList<>();
			for (PGPPublicKey recipient : this.recipients) {
				generator.addMethod(new JcePublicKeyKeyEncryptionMethodGenerator(recipient).setProvider(PROVIDER));
				ids.add(keyId(recipient.getKeyID()));
			}
			ByteArrayOutputStream message = new ByteArrayOutputStream();
			try (OutputStream encrypted = generator.open(message, new byte[1024]);
					OutputStream literal = new PGPLiteralDataGenerator().open(encrypted, PGPLiteralData.BINARY,
							"redoubt-data-key-" + backupId, dataKey.length, new Date(0))) {
				literal.write(dataKey);
			}
			return new WrappedDataKey(TYPE, ids, Base64.getEncoder().encodeToString(message.toByteArray()));
		}
		catch (IOException | PGPException ex) {
			throw new RedoubtException(ErrorCode.INTERNAL,
					"cannot encrypt the data key of backup " + backupId + " to OpenPGP recipients: " + ex.getMessage(),
					ex);
		}
	}

	@Override
	public byte[] unwrap(WrappedDataKey wrapped, String backupId) {
		if (this.secretKeys == null) {
			throw new RedoubtException(ErrorCode.WRONG_KEY,
					"backup " + backupId + " is encrypted to OpenPGP keys " + wrapped.keyIds()
							+ ", and this host holds no OpenPGP secret key",
					"set redoubt.encryption.openpgp.secret-key to the secret key of one of them", null);
		}
		try {
			JcaPGPObjectFactory factory = new JcaPGPObjectFactory(Base64.getDecoder().decode(wrapped.wrapped()));
			Object first = factory.nextObject();
			PGPEncryptedDataList list = (first instanceof PGPEncryptedDataList encrypted) ? encrypted
					: (PGPEncryptedDataList) factory.nextObject();
			for (Iterator<?> it = list.getEncryptedDataObjects(); it.hasNext();) {
				PGPPublicKeyEncryptedData data = (PGPPublicKeyEncryptedData) it.next();
				PGPSecretKey secret = this.secretKeys.getSecretKey(data.getKeyID());
				if (secret == null) {
					continue;
				}
				PGPPrivateKey privateKey = secret
					.extractPrivateKey(new JcePBESecretKeyDecryptorBuilder().setProvider(PROVIDER)
						.build((this.passphrase != null) ? this.passphrase.reveal().toCharArray() : new char[0]));
				InputStream clear = data.getDataStream(
						new JcePublicKeyDataDecryptorFactoryBuilder().setProvider(PROVIDER).build(privateKey));
				PGPLiteralData literal = (PGPLiteralData) new JcaPGPObjectFactory(clear).nextObject();
				byte[] key = literal.getInputStream().readAllBytes();
				if (!data.verify()) {
					throw new RedoubtException(ErrorCode.CORRUPT_OBJECT,
							"the wrapped data key of backup " + backupId + " fails its integrity check");
				}
				return key;
			}
		}
		catch (IOException | PGPException | RuntimeException ex) {
			if (ex instanceof RedoubtException redoubt) {
				throw redoubt;
			}
			throw new RedoubtException(
					ErrorCode.WRONG_KEY, "cannot decrypt the data key of backup " + backupId
							+ " with the configured OpenPGP secret key: " + ex.getMessage(),
					"check redoubt.encryption.openpgp.secret-key and its passphrase", null);
		}
		throw new RedoubtException(ErrorCode.WRONG_KEY,
				"backup " + backupId + " is encrypted to OpenPGP keys " + wrapped.keyIds()
						+ "; the configured secret key is none of them",
				"set redoubt.encryption.openpgp.secret-key to the secret key of one of them", null);
	}

	static String keyId(long id) {
		return String.format("%016x", id);
	}

}
