package dev.redoubt.core.store.s3;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.secret.Secret;

/**
 * A real S3 API server (S3Proxy) in this process, storing objects in a local directory:
 * the stand-in for a cloud region in the demo and in integration tests. Each instance
 * listens on its own free port, so two instances are two isolated regions.
 */
public final class EmbeddedS3Region implements AutoCloseable {

	private final String name;

	private final String bucket;

	private final Path directory;

	private final S3Proxy proxy;

	private final String accessKey;

	private final Secret secretKey;

	/** Kept: the server forgets its port once stopped. */
	private final int port;

	private EmbeddedS3Region(String name, String bucket, Path directory, S3Proxy proxy, String accessKey,
			Secret secretKey) {
		this.port = proxy.getPort();
		this.name = name;
		this.bucket = bucket;
		this.directory = directory;
		this.proxy = proxy;
		this.accessKey = accessKey;
		this.secretKey = secretKey;
	}

	/** Starts a region serving {@code bucket} from {@code directory} on a free port. */
	public static EmbeddedS3Region start(String name, String bucket, Path directory, String accessKey,
			Secret secretKey) {
		return start(name, bucket, directory, accessKey, secretKey, 0);
	}

	/**
	 * Starts a region on a given port (0: a free one); a stopped region comes back on its
	 * old port this way, as an outage ends.
	 */
	public static EmbeddedS3Region start(String name, String bucket, Path directory, String accessKey, Secret secretKey,
			int port) {
		try {
			Files.createDirectories(directory);
			BlobStore store = new FilesystemNio2BlobStore(directory.toString());
			S3Proxy proxy = S3Proxy.builder()
				.blobStore(store)
				.endpoint(URI.create("http://127.0.0.1:" + port))
				.awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey.reveal())
				.ignoreUnknownHeaders(true)
				.build();
			proxy.start();
			long deadline = System.nanoTime() + 30_000_000_000L;
			while (!"STARTED".equals(proxy.getState())) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("S3Proxy did not start within 30 s");
				}
				Thread.sleep(10);
			}
			if (!Files.isDirectory(directory.resolve(bucket))) {
				store.createContainer(bucket);
			}
			return new EmbeddedS3Region(name, bucket, directory, proxy, accessKey, secretKey);
		}
		catch (Exception ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot start embedded S3 region " + name + ": " + ex, ex);
		}
	}

	public int port() {
		return this.port;
	}

	public URI endpoint() {
		return URI.create("http://127.0.0.1:" + this.port);
	}

	public String name() {
		return this.name;
	}

	public String bucket() {
		return this.bucket;
	}

	/** The directory that holds the bucket's objects (one sub-directory per bucket). */
	public Path directory() {
		return this.directory;
	}

	/** A store configuration that reaches this region with the given key prefix. */
	public S3StoreConfig storeConfig(String prefix) {
		return new S3StoreConfig(this.name, endpoint(), "us-east-1", this.bucket, prefix, true,
				Secret.of(this.accessKey), this.secretKey);
	}

	@Override
	public void close() {
		try {
			this.proxy.stop();
		}
		catch (Exception ex) {
			throw new IllegalStateException("cannot stop embedded S3 region " + this.name, ex);
		}
	}

}
