package dev.redoubt.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A scripted HTTP fault proxy between the AWS SDK and an S3 API server, in the spirit of
 * pgBackRest's {@code hrnServerScript}: per request it passes the exchange through, or
 * answers with a canned status and body (a 503 SlowDown, a 200 whose body is an
 * {@code <Error>}, a success for a PUT that is never stored), adds latency, cuts the
 * connection after N bytes of the response, or rewrites the response body (truncated, one
 * bit flipped, a listing that claims to be truncated). It counts requests by verb, so a
 * test can assert that a run deleted nothing.
 *
 * <p>
 * Requests are forwarded byte for byte (their signature covers the {@code Host} the SDK
 * saw, which stays), except that each exchange gets its own upstream connection
 * ({@code Connection: close}) and {@code Expect: 100-continue} is answered here.
 */
public final class FaultProxy implements AutoCloseable {

	/** What the proxy saw of a request. */
	public record Request(String method, String path, String query) {

		public boolean isGet() {
			return "GET".equals(this.method);
		}

		public boolean isPut() {
			return "PUT".equals(this.method);
		}

		/**
		 * A ListObjects request (a GET of the bucket with a {@code prefix} or list-type).
		 */
		public boolean isList() {
			return isGet() && this.query != null
					&& (this.query.contains("list-type") || this.query.contains("prefix="));
		}

		public boolean pathContains(String text) {
			return this.path.contains(text);
		}

	}

	/** What to do with a matching request. */
	public sealed interface Fault permits Respond, Delay, DropAfter, TransformBody, Unreachable {

	}

	record Unreachable() implements Fault {
	}

	/**
	 * The region is down: the connection is reset before any answer, and nothing is
	 * forwarded. Unlike stopping the server, the port stays this proxy's, so the region
	 * comes back on the same endpoint.
	 */
	public static Fault unreachable() {
		return new Unreachable();
	}

	record Respond(int status, String body) implements Fault {
	}

	record Delay(Duration delay) implements Fault {
	}

	record DropAfter(int bytes) implements Fault {
	}

	record TransformBody(UnaryOperator<byte[]> transform) implements Fault {
	}

	/** Answers here with {@code status} and an XML {@code body}; nothing is forwarded. */
	public static Fault respond(int status, String body) {
		return new Respond(status, body);
	}

	/** S3's throttling answer. */
	public static Fault slowDown() {
		return respond(503, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
				+ "<Message>Please reduce your request rate.</Message></Error>");
	}

	/** Forwards after {@code delay}. */
	public static Fault delay(Duration delay) {
		return new Delay(delay);
	}

	/** Forwards, and cuts the connection after {@code bytes} bytes of the response. */
	public static Fault dropAfter(int bytes) {
		return new DropAfter(bytes);
	}

	/** Forwards, and replaces the response body (its length follows). */
	public static Fault transformBody(UnaryOperator<byte[]> transform) {
		return new TransformBody(transform);
	}

	/** Forwards, and flips one bit of the response body at {@code offset}. */
	public static Fault flipBit(int offset) {
		return transformBody((body) -> {
			byte[] copy = body.clone();
			if (copy.length > 0) {
				copy[Math.min(offset, copy.length - 1)] ^= 0x01;
			}
			return copy;
		});
	}

	/** Forwards, and cuts the response body to its first {@code keep} bytes. */
	public static Fault truncateBody(int keep) {
		return transformBody((body) -> java.util.Arrays.copyOf(body, Math.min(keep, body.length)));
	}

	private record Rule(Predicate<Request> matches, Fault fault, AtomicInteger remaining) {
	}

	private final URI target;

	private final ServerSocket server;

	private final ExecutorService connections = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "fault-proxy");
		thread.setDaemon(true);
		return thread;
	});

	private final List<Rule> rules = new CopyOnWriteArrayList<>();

	private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

	private final List<Request> seen = new CopyOnWriteArrayList<>();

	public FaultProxy(URI target) throws IOException {
		this.target = target;
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.connections.submit(this::accept);
	}

	/** Where the SDK should send its requests. */
	public URI endpoint() {
		return URI.create("http://127.0.0.1:" + this.server.getLocalPort());
	}

	/**
	 * Applies {@code fault} to the next {@code times} requests that match ({@code -1}:
	 * every one). The first rule that matches a request applies.
	 */
	public FaultProxy when(Predicate<Request> matches, Fault fault, int times) {
		this.rules.add(new Rule(matches, fault, new AtomicInteger(times)));
		return this;
	}

	/** Every request passes through again; the counts restart. */
	public void reset() {
		this.rules.clear();
		this.counts.clear();
		this.seen.clear();
	}

	/** Requests seen with this verb since the last reset. */
	public int count(String method) {
		AtomicInteger count = this.counts.get(method);
		return (count != null) ? count.get() : 0;
	}

	public List<Request> requests() {
		return new ArrayList<>(this.seen);
	}

	private void accept() {
		while (!this.server.isClosed()) {
			try {
				Socket client = this.server.accept();
				this.connections.submit(() -> serve(client));
			}
			catch (IOException ex) {
				return; // closed
			}
		}
	}

	private void serve(Socket client) {
		try (client) {
			InputStream in = client.getInputStream();
			OutputStream out = client.getOutputStream();
			Head head = Head.read(in);
			if (head == null) {
				return;
			}
			Request request = head.request();
			this.counts.computeIfAbsent(request.method(), (k) -> new AtomicInteger()).incrementAndGet();
			this.seen.add(request);
			if ("100-continue".equalsIgnoreCase(head.header("Expect"))) {
				out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
				out.flush();
			}
			byte[] body = in.readNBytes((int) head.contentLength());
			Fault fault = faultFor(request);
			if (fault instanceof Unreachable) {
				client.setSoLinger(true, 0);
				return;
			}
			if (fault instanceof Respond respond) {
				byte[] answer = respond.body().getBytes(StandardCharsets.UTF_8);
				out.write(
						("HTTP/1.1 " + respond.status() + " Fault\r\nContent-Type: application/xml\r\nContent-Length: "
								+ answer.length + "\r\nConnection: close\r\n\r\n")
							.getBytes(StandardCharsets.US_ASCII));
				out.write(answer);
				out.flush();
				return;
			}
			if (fault instanceof Delay delay) {
				Thread.sleep(delay.delay().toMillis());
			}
			try (Socket upstream = new Socket()) {
				upstream.connect(new InetSocketAddress(this.target.getHost(), this.target.getPort()), 5000);
				OutputStream up = upstream.getOutputStream();
				up.write(head.forwarded());
				up.write(body);
				up.flush();
				InputStream down = upstream.getInputStream();
				if (fault instanceof TransformBody transform) {
					out.write(Response.parse(down.readAllBytes()).transformed(transform.transform()));
				}
				else {
					long limit = (fault instanceof DropAfter drop) ? drop.bytes() : Long.MAX_VALUE;
					copy(down, out, limit);
				}
				out.flush();
			}
		}
		catch (IOException ex) {
			// the client or the server went away: nothing to answer
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private Fault faultFor(Request request) {
		for (Rule rule : this.rules) {
			if (rule.matches().test(request)) {
				int left = rule.remaining().getAndUpdate((n) -> (n > 0) ? n - 1 : n);
				if (left != 0) {
					return rule.fault();
				}
			}
		}
		return null;
	}

	private static void copy(InputStream in, OutputStream out, long limit) throws IOException {
		byte[] buffer = new byte[8192];
		long sent = 0;
		int n;
		while (sent < limit && (n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - sent))) > 0) {
			out.write(buffer, 0, n);
			sent += n;
		}
	}

	@Override
	public void close() throws IOException {
		this.server.close();
		this.connections.shutdownNow();
	}

	/** A request's head: its lines as read, and how it goes upstream. */
	private record Head(String requestLine, List<String> headers) {

		static Head read(InputStream in) throws IOException {
			ByteArrayOutputStream bytes = new ByteArrayOutputStream();
			int last4 = 0;
			int c;
			while ((c = in.read()) >= 0) {
				bytes.write(c);
				last4 = (last4 << 8) | c;
				if (last4 == 0x0d0a0d0a) {
					break;
				}
			}
			if (last4 != 0x0d0a0d0a) {
				return null;
			}
			String[] lines = bytes.toString(StandardCharsets.ISO_8859_1).split("\r\n");
			List<String> headers = new ArrayList<>(List.of(lines).subList(1, lines.length));
			return new Head(lines[0], headers);
		}

		String header(String name) {
			for (String line : this.headers) {
				int colon = line.indexOf(':');
				if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
					return line.substring(colon + 1).trim();
				}
			}
			return null;
		}

		long contentLength() {
			String length = header("Content-Length");
			return (length != null) ? Long.parseLong(length) : 0;
		}

		Request request() {
			String[] parts = this.requestLine.split(" ");
			String uri = parts[1];
			int question = uri.indexOf('?');
			return new Request(parts[0], (question < 0) ? uri : uri.substring(0, question),
					(question < 0) ? null : uri.substring(question + 1));
		}

		byte[] forwarded() {
			StringBuilder head = new StringBuilder(this.requestLine).append("\r\n");
			for (String line : this.headers) {
				String name = line.substring(0, Math.max(0, line.indexOf(':'))).trim().toLowerCase(Locale.ROOT);
				if (!name.equals("connection") && !name.equals("expect")) {
					head.append(line).append("\r\n");
				}
			}
			head.append("Connection: close\r\n\r\n");
			return head.toString().getBytes(StandardCharsets.ISO_8859_1);
		}

	}

	/** A whole response, its body de-chunked, for rewriting. */
	private record Response(String statusLine, List<String> headers, byte[] body) {

		static Response parse(byte[] all) {
			int end = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
			String[] lines = new String(all, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
			List<String> headers = new ArrayList<>(List.of(lines).subList(1, lines.length));
			byte[] body = java.util.Arrays.copyOfRange(all, end + 4, all.length);
			boolean chunked = headers.stream()
				.anyMatch((h) -> h.toLowerCase(Locale.ROOT).startsWith("transfer-encoding:")
						&& h.toLowerCase(Locale.ROOT).contains("chunked"));
			return new Response(lines[0], headers, chunked ? dechunk(body) : body);
		}

		byte[] transformed(UnaryOperator<byte[]> transform) {
			byte[] newBody = transform.apply(this.body);
			StringBuilder head = new StringBuilder(this.statusLine).append("\r\n");
			for (String line : this.headers) {
				String name = line.substring(0, Math.max(0, line.indexOf(':'))).trim().toLowerCase(Locale.ROOT);
				if (!name.equals("content-length") && !name.equals("transfer-encoding")) {
					head.append(line).append("\r\n");
				}
			}
			head.append("Content-Length: ").append(newBody.length).append("\r\n\r\n");
			byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
			byte[] all = java.util.Arrays.copyOf(headBytes, headBytes.length + newBody.length);
			System.arraycopy(newBody, 0, all, headBytes.length, newBody.length);
			return all;
		}

		private static byte[] dechunk(byte[] chunked) {
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			int at = 0;
			while (at < chunked.length) {
				int lineEnd = indexOf(chunked, new byte[] { '\r', '\n' }, at);
				String size = new String(chunked, at, lineEnd - at, StandardCharsets.US_ASCII).split(";")[0].trim();
				int length = Integer.parseInt(size, 16);
				if (length == 0) {
					break;
				}
				out.write(chunked, lineEnd + 2, length);
				at = lineEnd + 2 + length + 2;
			}
			return out.toByteArray();
		}

		private static int indexOf(byte[] data, byte[] pattern, int from) {
			outer: for (int i = from; i <= data.length - pattern.length; i++) {
				for (int j = 0; j < pattern.length; j++) {
					if (data[i + j] != pattern[j]) {
						continue outer;
					}
				}
				return i;
			}
			throw new IllegalStateException("malformed response: no " + new String(pattern, StandardCharsets.US_ASCII));
		}

	}

}
