package dev.redoubt.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Date;

import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.openpgp.PGPEncryptedData;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPKeyRingGenerator;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.operator.PGPDigestCalculator;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPDigestCalculatorProviderBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPKeyPair;
import org.bouncycastle.openpgp.operator.jcajce.JcePBESecretKeyEncryptorBuilder;

/** Generates an RSA OpenPGP key and writes its public and secret key rings, armored. */
public final class OpenPgpTestKeys {

	private OpenPgpTestKeys() {
	}

	/** Writes {@code name.pub.asc} and {@code name.sec.asc} into {@code directory}. */
	public static void generate(Path directory, String name, String passphrase) throws Exception {
		KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
		generator.initialize(2048);
		PGPKeyPair pair = new JcaPGPKeyPair(PGPPublicKey.RSA_GENERAL, generator.generateKeyPair(), new Date());
		PGPDigestCalculator sha1 = new JcaPGPDigestCalculatorProviderBuilder().build().get(HashAlgorithmTags.SHA1);
		PGPKeyRingGenerator rings = new PGPKeyRingGenerator(PGPSignature.POSITIVE_CERTIFICATION, pair,
				name + " <" + name + "@example.invalid>", sha1, null, null,
				new JcaPGPContentSignerBuilder(pair.getPublicKey().getAlgorithm(), HashAlgorithmTags.SHA256),
				new JcePBESecretKeyEncryptorBuilder(PGPEncryptedData.AES_256, sha1).build(passphrase.toCharArray()));
		write(directory.resolve(name + ".pub.asc"), rings.generatePublicKeyRing().getEncoded());
		write(directory.resolve(name + ".sec.asc"), rings.generateSecretKeyRing().getEncoded());
	}

	private static void write(Path file, byte[] encoded) throws IOException {
		try (OutputStream out = new ArmoredOutputStream(Files.newOutputStream(file))) {
			out.write(encoded);
		}
	}

}
