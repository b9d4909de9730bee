package dev.redoubt.core.store.s3;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.secret.Secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What S3Store puts on the wire, against a scripted S3 endpoint that records every PUT's
 * headers and answers as told: each PUT carries the SHA-256 of the bytes, and the MD5 too
 * under Object Lock (AWS requires one of them on a PUT with Object Lock headers, and
 * verifies them); a SHA-256 the caller knows is sent as it is; and a request the store
 * refuses is reported as refused, with the store's reason, not as an unreachable region.
 */
class S3StoreRequestsIT {

	HttpServer server;

	final Map<String, Map<String, List<String>>> puts = new ConcurrentHashMap<>();

	volatile String refusal;

	@BeforeEach
	void scriptedEndpoint() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.server.createContext("/", this::answer);
		this.server.start();
	}

	@AfterEach
	void stop() {
		this.server.stop(0);
	}

	private void answer(HttpExchange exchange) throws IOException {
		exchange.getRequestBody().readAllBytes();
		String path = exchange.getRequestURI().getPath();
		if ("HEAD".equals(exchange.getRequestMethod())) {
			exchange.sendResponseHeaders(404, -1);
		}
		else if ("PUT".equals(exchange.getRequestMethod())) {
			this.puts.put(path, Map.copyOf(exchange.getRequestHeaders()));
			if (this.refusal != null) {
				byte[] body = this.refusal.getBytes(StandardCharsets.UTF_8);
				exchange.getResponseHeaders().add("Content-Type", "application/xml");
				exchange.sendResponseHeaders(400, body.length);
				exchange.getResponseBody().write(body);
			}
			else {
				exchange.getResponseHeaders().add("ETag", "\"x\"");
				exchange.sendResponseHeaders(200, -1);
			}
		}
		else {
			exchange.sendResponseHeaders(405, -1);
		}
		exchange.close();
	}

	private S3Store store(S3ObjectLock lock) {
		return new S3Store(new S3StoreConfig("eu", URI.create("http://127.0.0.1:" + this.server.getAddress().getPort()),
				"eu-west-1", "bucket", "repo", true, Secret.of(random()), Secret.of(random()), lock));
	}

	@Test
	void everyPutCarriesTheBytesMd5AndSha256AlsoWithObjectLock() throws Exception {
		byte[] data = "chunk bytes".getBytes(StandardCharsets.UTF_8);
		try (S3Store store = store(new S3ObjectLock("COMPLIANCE", java.time.Duration.ofDays(30)))) {
			store.create("source/backups/x/chunks/a", data, 0, data.length);
		}
		Map<String, List<String>> headers = this.puts.get("/bucket/repo/source/backups/x/chunks/a");
		assertThat(headers).isNotNull();
		assertThat(header(headers, "Content-MD5")).isEqualTo(digest("MD5", data));
		assertThat(header(headers, "x-amz-checksum-sha256")).isEqualTo(digest("SHA-256", data));
		assertThat(header(headers, "x-amz-object-lock-mode")).isEqualTo("COMPLIANCE");
	}

	@Test
	void aPutWithoutObjectLockCarriesTheKnownSha256AndNoMd5() throws Exception {
		byte[] data = "chunk bytes".getBytes(StandardCharsets.UTF_8);
		String sha256Hex = java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
		try (S3Store store = store(null)) {
			store.create("source/backups/x/chunks/b", data, 0, data.length, sha256Hex);
			store.create("source/backups/x/chunks/c", data, 0, data.length);
		}
		for (String key : List.of("b", "c")) {
			Map<String, List<String>> headers = this.puts.get("/bucket/repo/source/backups/x/chunks/" + key);
			assertThat(header(headers, "x-amz-checksum-sha256")).isEqualTo(digest("SHA-256", data));
			assertThat(header(headers, "Content-MD5")).isNull();
		}
	}

	@Test
	void aRefusedPutIsReportedAsRefusedWithTheStoresReason() {
		this.refusal = "<?xml version=\"1.0\"?><Error><Code>InvalidRequest</Code><Message>Content-MD5 OR"
				+ " x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters"
				+ "</Message></Error>";
		try (S3Store store = store(null)) {
			assertThatThrownBy(() -> store.create("k", new byte[] { 1 }, 0, 1))
				.isInstanceOfSatisfying(RedoubtException.class,
						(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.REGION_REFUSED))
				.hasMessageContaining("object k in region eu")
				.hasMessageContaining("400 InvalidRequest")
				.hasMessageContaining("required for Put Object requests with Object Lock parameters");
		}
	}

	/** Credentials for the scripted endpoint, which checks none. */
	private static String random() {
		return Long.toHexString(new java.security.SecureRandom().nextLong());
	}

	private static String header(Map<String, List<String>> headers, String name) {
		return headers.entrySet()
			.stream()
			.filter((e) -> e.getKey().equalsIgnoreCase(name))
			.map((e) -> e.getValue().get(0))
			.findFirst()
			.orElse(null);
	}

	private static String digest(String algorithm, byte[] data) throws Exception {
		return Base64.getEncoder().encodeToString(MessageDigest.getInstance(algorithm).digest(data));
	}

}
