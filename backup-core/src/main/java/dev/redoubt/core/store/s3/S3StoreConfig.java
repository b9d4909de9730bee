package dev.redoubt.core.store.s3;

import java.net.URI;

import dev.redoubt.core.secret.Secret;

/**
 * Where one region of a repository lives in S3 or an S3-compatible store.
 *
 * @param name the region's name in messages and reports
 * @param endpoint the endpoint, or {@code null} for AWS's default for the region
 * @param region the signing region, e.g. {@code eu-west-1}
 * @param bucket the bucket
 * @param prefix a key prefix inside the bucket, may be empty
 * @param pathStyle address the bucket by path rather than by host name
 * @param accessKey access key id, or {@code null} for the AWS default credentials chain
 * @param secretKey secret access key, or {@code null} with {@code accessKey}
 * @param objectLock Object Lock retention of every object written, or {@code null}
 */
public record S3StoreConfig(String name, URI endpoint, String region, String bucket, String prefix, boolean pathStyle,
		Secret accessKey, Secret secretKey, S3ObjectLock objectLock) {

	public S3StoreConfig(String name, URI endpoint, String region, String bucket, String prefix, boolean pathStyle,
			Secret accessKey, Secret secretKey) {
		this(name, endpoint, region, bucket, prefix, pathStyle, accessKey, secretKey, null);
	}

	/** The prefix with exactly one trailing slash, or empty. */
	String keyPrefix() {
		if (this.prefix == null || this.prefix.isBlank()) {
			return "";
		}
		String trimmed = this.prefix.replaceAll("^/+|/+$", "");
		return trimmed.isEmpty() ? "" : trimmed + "/";
	}

}
