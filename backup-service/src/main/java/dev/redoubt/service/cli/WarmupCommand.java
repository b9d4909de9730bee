package dev.redoubt.service.cli;

import java.net.URI;
import java.util.concurrent.Callable;

import dev.redoubt.core.codec.ChunkDecoder;
import dev.redoubt.core.codec.ChunkEncoder;
import dev.redoubt.core.codec.EncodedChunk;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.s3.S3Store;
import dev.redoubt.core.store.s3.S3StoreConfig;
import picocli.CommandLine.Command;

/**
 * {@code redoubt warmup} (hidden): loads the classes every backup and restore needs (AWS
 * SDK client, codecs, JSON) without touching any server, so that {@code ./redoubt}'s
 * class-data-sharing training run archives them and later commands start faster.
 */
@Command(name = "warmup", hidden = true, description = "Load the classes backups and restores need, then exit.")
public class WarmupCommand implements Callable<Integer> {

	@Override
	public Integer call() {
		byte[] key = new byte[32];
		ChunkEncoder encoder = new ChunkEncoder(key, key, 1, 1024);
		encoder.begin();
		byte[] row = "1\twarm\n".getBytes();
		encoder.write(row, 0, row.length);
		EncodedChunk chunk = encoder.finish();
		ChunkDecoder.readAll(java.util.Arrays.copyOf(chunk.stored(), chunk.storedLength()), key, key, chunk.id());
		ManifestCodec.json().readTree("{\"formatVersion\":1}");
		try (S3Store store = new S3Store(new S3StoreConfig("warmup", URI.create("http://127.0.0.1:9"), "us-east-1",
				"warmup", "", true, Secret.of("warmup"), Secret.of("warmup")))) {
			// building the client is the expensive part; no request is sent
		}
		return 0;
	}

}
