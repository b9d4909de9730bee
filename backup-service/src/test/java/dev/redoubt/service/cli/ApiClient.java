package dev.redoubt.service.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Calls a running {@code redoubt serve} over HTTP and keeps every body it got back. */
final class ApiClient {

	record Response(int status, String body) {
	}

	final List<String> bodies = new CopyOnWriteArrayList<>();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final int port;

	ApiClient(int port) {
		this.port = port;
	}

	Response get(String path, String user, String password) throws IOException, InterruptedException {
		return send(request(path, user, password).GET().build());
	}

	Response post(String path, String user, String password) throws IOException, InterruptedException {
		return send(request(path, user, password).POST(HttpRequest.BodyPublishers.noBody()).build());
	}

	/** True once the health endpoint answers UP. */
	boolean up() {
		try {
			Response health = get("/actuator/health", null, null);
			return health.status() == 200 && health.body().contains("\"UP\"");
		}
		catch (IOException ex) {
			return false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private HttpRequest.Builder request(String path, String user, String password) {
		HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(Duration.ofSeconds(30));
		if (user != null) {
			builder.header("Authorization", "Basic "
					+ Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
		}
		return builder;
	}

	private Response send(HttpRequest request) throws IOException, InterruptedException {
		HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
		this.bodies.add(response.body());
		return new Response(response.statusCode(), response.body());
	}

}
