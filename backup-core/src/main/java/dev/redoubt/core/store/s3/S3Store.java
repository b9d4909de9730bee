package dev.redoubt.core.store.s3;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.store.ObjectInfo;
import dev.redoubt.core.store.ObjectStore;

/**
 * A region in S3 or an S3-compatible store, through the AWS SDK for Java v2.
 *
 * <p>
 * Create-only writes send {@code If-None-Match: *}, which AWS S3 enforces atomically; a
 * {@code HEAD} first also refuses an existing object on stores that ignore the header.
 * Transient failures are retried by the SDK's standard retry policy. Every PUT carries
 * the object's MD5 ({@code Content-MD5}) and SHA-256 ({@code x-amz-checksum-sha256}),
 * computed here from the bytes Redoubt means to store: the store verifies them and
 * refuses bytes damaged on the way ({@code BadDigest}), and AWS requires one of them on a
 * PUT with Object Lock headers. A request the store refuses (4xx) is reported as refused,
 * with the store's own code and message, never as an unreachable region.
 */
public final class S3Store implements ObjectStore, AutoCloseable {

	private final S3StoreConfig config;

	private final S3Client client;

	private final String prefix;

	public S3Store(S3StoreConfig config) {
		this.config = config;
		this.prefix = config.keyPrefix();
		S3ClientBuilder builder = S3Client.builder()
			.region(Region.of(config.region()))
			.credentialsProvider(credentials(config))
			.forcePathStyle(config.pathStyle())
			.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
			.responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
			.httpClientBuilder(ApacheHttpClient.builder()
				.maxConnections(32)
				.connectionTimeout(Duration.ofSeconds(5))
				.socketTimeout(Duration.ofSeconds(60)))
			.overrideConfiguration(
					(override) -> override.retryStrategy(RetryMode.STANDARD).apiCallTimeout(Duration.ofMinutes(10)));
		if (config.endpoint() != null) {
			builder.endpointOverride(config.endpoint());
		}
		this.client = builder.build();
	}

	private static AwsCredentialsProvider credentials(S3StoreConfig config) {
		if (config.accessKey() == null) {
			return DefaultCredentialsProvider.builder().build();
		}
		return StaticCredentialsProvider
			.create(AwsBasicCredentials.create(config.accessKey().reveal(), config.secretKey().reveal()));
	}

	@Override
	public String name() {
		return this.config.name();
	}

	@Override
	public void create(String key, byte[] data, int offset, int length) {
		create(key, data, offset, length, null);
	}

	/**
	 * Writes with {@code If-None-Match: *} after a HEAD (S3Proxy and some S3-compatible
	 * stores ignore the condition), a SHA-256 checksum the server verifies, and the
	 * Content-MD5 that S3 demands of a write under Object Lock only when this region
	 * locks what it writes.
	 */
	@Override
	public void create(String key, byte[] data, int offset, int length, String sha256Hex) {
		if (head(key).isPresent()) {
			throw exists(key);
		}
		String sha256 = (sha256Hex != null)
				? java.util.Base64.getEncoder().encodeToString(java.util.HexFormat.of().parseHex(sha256Hex))
				: digest("SHA-256", data, offset, length);
		String md5 = (this.config.objectLock() != null) ? digest("MD5", data, offset, length) : null;
		try {
			this.client.putObject(
					(put) -> put.bucket(this.config.bucket())
						.key(this.prefix + key)
						.ifNoneMatch("*")
						.contentLength((long) length)
						.contentMD5(md5)
						.checksumSHA256(sha256)
						.applyMutation(this::objectLock),
					RequestBody.fromInputStream(new java.io.ByteArrayInputStream(data, offset, length), length));
		}
		catch (AwsServiceException ex) {
			if (ex.statusCode() == 412) {
				throw exists(key);
			}
			throw failure("write", key, ex);
		}
		catch (SdkException ex) {
			throw failure("write", key, ex);
		}
	}

	/** The base64 digest of a byte range, as S3's checksum headers carry it. */
	private static String digest(String algorithm, byte[] data, int offset, int length) {
		try {
			java.security.MessageDigest digest = java.security.MessageDigest.getInstance(algorithm);
			digest.update(data, offset, length);
			return java.util.Base64.getEncoder().encodeToString(digest.digest());
		}
		catch (java.security.NoSuchAlgorithmException ex) {
			throw new IllegalStateException(algorithm + " is part of every Java runtime", ex);
		}
	}

	/** Object Lock headers, when this region locks what it writes. */
	private void objectLock(software.amazon.awssdk.services.s3.model.PutObjectRequest.Builder put) {
		S3ObjectLock lock = this.config.objectLock();
		if (lock != null) {
			put.objectLockMode(lock.mode()).objectLockRetainUntilDate(lock.until(java.time.Instant.now()));
		}
	}

	/**
	 * The lock this store put on the object when it wrote it: from its last-modified
	 * time. (A HEAD would tell the date S3 holds, one request per object; the store only
	 * ever writes with its configured lock, and objects are never overwritten.)
	 */
	@Override
	public Optional<java.time.Instant> lockedUntil(ObjectInfo object) {
		S3ObjectLock lock = this.config.objectLock();
		if (lock == null) {
			return Optional.empty();
		}
		java.time.Instant written = (object.lastModified() != null) ? object.lastModified() : java.time.Instant.now();
		return Optional.of(lock.until(written));
	}

	@Override
	public Optional<byte[]> read(String key) {
		return get(key, null);
	}

	@Override
	public Optional<byte[]> read(String key, long offset, int length) {
		if (length == 0) {
			return head(key).map((info) -> new byte[0]);
		}
		return get(key, "bytes=" + offset + "-" + (offset + length - 1));
	}

	private Optional<byte[]> get(String key, String range) {
		try {
			ResponseBytes<GetObjectResponse> bytes = this.client
				.getObjectAsBytes((get) -> get.bucket(this.config.bucket()).key(this.prefix + key).range(range));
			return Optional.of(bytes.asByteArrayUnsafe());
		}
		catch (NoSuchKeyException ex) {
			return Optional.empty();
		}
		catch (AwsServiceException ex) {
			if (ex.statusCode() == 404) {
				return Optional.empty();
			}
			if (ex.statusCode() == 416) {
				return Optional.of(new byte[0]);
			}
			throw failure("read", key, ex);
		}
		catch (SdkException ex) {
			throw failure("read", key, ex);
		}
	}

	@Override
	public Optional<ObjectInfo> head(String key) {
		try {
			HeadObjectResponse response = this.client
				.headObject((head) -> head.bucket(this.config.bucket()).key(this.prefix + key));
			return Optional.of(new ObjectInfo(key, response.contentLength()));
		}
		catch (AwsServiceException ex) {
			if (ex.statusCode() == 404) {
				return Optional.empty();
			}
			throw failure("inspect", key, ex);
		}
		catch (SdkException ex) {
			throw failure("inspect", key, ex);
		}
	}

	@Override
	public List<ObjectInfo> list(String keyPrefix) {
		List<ObjectInfo> result = new ArrayList<>();
		try {
			ListObjectsV2Request request = ListObjectsV2Request.builder()
				.bucket(this.config.bucket())
				.prefix(this.prefix + keyPrefix)
				.build();
			for (ListObjectsV2Response page : this.client.listObjectsV2Paginator(request)) {
				for (S3Object object : page.contents()) {
					result.add(new ObjectInfo(object.key().substring(this.prefix.length()), object.size(),
							object.lastModified()));
				}
			}
		}
		catch (SdkException ex) {
			throw failure("list", keyPrefix, ex);
		}
		result.sort(java.util.Comparator.comparing(ObjectInfo::key));
		return result;
	}

	@Override
	public List<String> listChildren(String keyPrefix) {
		List<String> result = new ArrayList<>();
		try {
			ListObjectsV2Request request = ListObjectsV2Request.builder()
				.bucket(this.config.bucket())
				.prefix(this.prefix + keyPrefix)
				.delimiter("/")
				.build();
			for (ListObjectsV2Response page : this.client.listObjectsV2Paginator(request)) {
				for (CommonPrefix common : page.commonPrefixes()) {
					String name = common.prefix().substring(this.prefix.length() + keyPrefix.length());
					result.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
				}
			}
		}
		catch (SdkException ex) {
			throw failure("list", keyPrefix, ex);
		}
		result.sort(null);
		return result;
	}

	/** From the {@code Date} header of a {@code HEAD} of the bucket. */
	@Override
	public java.time.Instant serverTime() {
		try {
			return this.client.headBucket((head) -> head.bucket(this.config.bucket()))
				.sdkHttpResponse()
				.firstMatchingHeader("Date")
				.map((date) -> java.time.ZonedDateTime
					.parse(date, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
					.toInstant())
				.orElseThrow(() -> new RedoubtException(ErrorCode.REGION_UNREACHABLE,
						"region " + name() + " sent no Date header: its clock cannot be read"));
		}
		catch (SdkException ex) {
			throw failure("read the clock of", "bucket " + this.config.bucket(), ex);
		}
	}

	@Override
	public void delete(String key) {
		try {
			this.client.deleteObject((delete) -> delete.bucket(this.config.bucket()).key(this.prefix + key));
		}
		catch (SdkException ex) {
			throw failure("delete", key, ex);
		}
	}

	private RedoubtException exists(String key) {
		return new RedoubtException(ErrorCode.OBJECT_EXISTS,
				"object " + key + " already exists in region " + name() + "; objects are never overwritten");
	}

	private RedoubtException failure(String action, String key, SdkException ex) {
		String where = "object " + key + " in region " + name() + " (bucket " + this.config.bucket() + ")";
		if (ex instanceof AwsServiceException service) {
			int status = service.statusCode();
			String detail = service.awsErrorDetails() != null ? service.awsErrorDetails().errorCode() : "";
			if (status == 401 || status == 403) {
				return new RedoubtException(ErrorCode.REGION_ACCESS_DENIED,
						"cannot " + action + " " + where + ": access denied (" + status + " " + detail + ")",
						"check the access key and secret key of repository " + name(), ex);
			}
			if ("NoSuchBucket".equals(detail)) {
				return new RedoubtException(ErrorCode.CONFIG_INVALID,
						"cannot " + action + " " + where + ": the bucket does not exist",
						"create bucket " + this.config.bucket() + " or fix redoubt.repositories", ex);
			}
			if (status >= 400 && status < 500 && status != 408 && status != 429) {
				String message = (service.awsErrorDetails() != null) ? service.awsErrorDetails().errorMessage() : null;
				return new RedoubtException(ErrorCode.REGION_REFUSED,
						"cannot " + action + " " + where + ": the store refused the request (" + status + " " + detail
								+ ((message != null) ? ": " + message : "") + ")",
						"BadDigest means the bytes were damaged on the way; otherwise check the bucket's settings"
								+ " (Object Lock, versioning) against repository " + name(),
						ex);
			}
			return new RedoubtException(ErrorCode.REGION_UNREACHABLE,
					"cannot " + action + " " + where + ": " + status + " " + detail, ex);
		}
		String reason = (ex instanceof SdkClientException && ex.getCause() != null) ? ex.getCause().toString()
				: ex.getMessage();
		return new RedoubtException(ErrorCode.REGION_UNREACHABLE, "cannot " + action + " " + where + ": " + reason,
				"check that the endpoint of repository " + name() + " is reachable", ex);
	}

	@Override
	public void close() {
		this.client.close();
	}

}
