package dev.redoubt.core.key;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import dev.redoubt.core.codec.Hex;

/**
 * Ed25519 keys that sign and verify manifests (Bouncy Castle). The private half may be
 * absent on a host that only reads backups.
 */
public final class ManifestSigningKey {

	private final Ed25519PrivateKeyParameters privateKey;

	private final Ed25519PublicKeyParameters publicKey;

	private ManifestSigningKey(Ed25519PrivateKeyParameters privateKey, Ed25519PublicKeyParameters publicKey) {
		this.privateKey = privateKey;
		this.publicKey = publicKey;
	}

	static ManifestSigningKey fromSeed(byte[] seed) {
		Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(seed, 0);
		return new ManifestSigningKey(key, key.generatePublicKey());
	}

	/** A short identifier of the public key, recorded beside each signature. */
	public String keyId() {
		return Hex.of(this.publicKey.getEncoded()).substring(0, 16);
	}

	public byte[] sign(byte[] message) {
		if (this.privateKey == null) {
			throw new IllegalStateException("this host holds no manifest signing key");
		}
		Ed25519Signer signer = new Ed25519Signer();
		signer.init(true, this.privateKey);
		signer.update(message, 0, message.length);
		return signer.generateSignature();
	}

	public boolean verify(byte[] message, byte[] signature) {
		Ed25519Signer verifier = new Ed25519Signer();
		verifier.init(false, this.publicKey);
		verifier.update(message, 0, message.length);
		return verifier.verifySignature(signature);
	}

}
