package dev.redoubt.service.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.redoubt.core.codec.ChunkDecoder;
import dev.redoubt.core.codec.ChunkEncoder;
import dev.redoubt.core.codec.EncodedChunk;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.manifest.SignedJson;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.core.store.s3.EmbeddedS3Region;
import dev.redoubt.core.store.s3.S3Store;
import picocli.CommandLine.Command;

/**
 * {@code redoubt warmup} (hidden): runs what every backup and restore runs first, without
 * touching any server of the user's: a throwaway key file, the codecs, a signed JSON
 * document, and the AWS SDK's client and its write, list, head, read and delete requests
 * against an embedded S3 API server on loopback. {@code ./redoubt}'s class-data-sharing
 * training run is this command, so the classes of those paths load from the archive in
 * later commands instead of from jars (the first S3 request of a command took 0.3 s).
 */
@Command(name = "warmup", hidden = true, description = "Load the classes backups and restores need, then exit.")
public class WarmupCommand implements Callable<Integer> {

	@Override
	public Integer call() throws Exception {
		Path directory = DirectoryTree.createPrivateTemp("redoubt-warmup");
		try {
			RepositoryKeys.generateKeyFile(directory.resolve("master.key"));
			RepositoryKeys keys = RepositoryKeys.fromKeyFile(directory.resolve("master.key"));
			byte[] dataKey = RepositoryKeys.newDataKey();
			ChunkEncoder encoder = new ChunkEncoder(dataKey, keys.chunkIdKey(), 1, 1024);
			encoder.begin();
			byte[] row = "1\twarm\n".getBytes();
			encoder.write(row, 0, row.length);
			EncodedChunk chunk = encoder.finish();
			byte[] stored = java.util.Arrays.copyOf(chunk.stored(), chunk.storedLength());
			ChunkDecoder.readAll(stored, dataKey, keys.chunkIdKey(), chunk.id());
			byte[] signed = SignedJson.sign("{\"formatVersion\":1}".getBytes(), keys.signingKey());
			SignedJson.verify(SignedJson.split(signed), keys.signingKey(), "warmup");
			ManifestCodec.json().readTree("{\"formatVersion\":1}");
			try (EmbeddedS3Region region = EmbeddedS3Region.start("warmup", "warmup", directory.resolve("s3"), "warmup",
					Secret.of("warmup-secret")); S3Store store = new S3Store(region.storeConfig("warmup"))) {
				store.create("w/backups/x/chunks/" + chunk.id(), stored);
				store.listChildren("w/backups/");
				store.list("w/backups/x/");
				store.head("w/backups/x/chunks/" + chunk.id());
				store.read("w/backups/x/chunks/" + chunk.id());
				store.read("w/backups/x/chunks/" + chunk.id(), 0, 4);
				store.head("w/backups/x/missing");
				store.delete("w/backups/x/chunks/" + chunk.id());
			}
		}
		finally {
			DirectoryTree.delete(directory);
		}
		return 0;
	}

}
