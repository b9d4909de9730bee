package dev.redoubt.service.api;

import java.io.IOException;
import java.net.URI;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses a state-changing request (anything but GET, HEAD, OPTIONS) that a browser sends
 * on another site's behalf: {@code Sec-Fetch-Site} other than {@code same-origin} or
 * {@code none}, or an {@code Origin} whose host and port are not the request's own.
 * Browsers attach cached HTTP Basic credentials to such requests, so without this a page
 * elsewhere could start backups as the logged-in operator. Clients that are not browsers
 * send neither header and are unaffected.
 */
final class CrossSiteRequestFilter extends OncePerRequestFilter {

	private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (!SAFE.contains(request.getMethod()) && crossSite(request)) {
			response.sendError(HttpServletResponse.SC_FORBIDDEN,
					"cross-site request refused: a write must come from this service's own origin");
			return;
		}
		chain.doFilter(request, response);
	}

	static boolean crossSite(HttpServletRequest request) {
		String site = request.getHeader("Sec-Fetch-Site");
		if (site != null && !site.equals("same-origin") && !site.equals("none")) {
			return true;
		}
		String origin = request.getHeader("Origin");
		if (origin == null) {
			return false;
		}
		try {
			URI uri = URI.create(origin);
			String host = request.getHeader("Host");
			int port = (uri.getPort() >= 0) ? uri.getPort() : ("https".equals(uri.getScheme()) ? 443 : 80);
			String expected = uri.getHost() + ":" + port;
			String actual = (host == null) ? ""
					: (host.contains(":") ? host : host + ":" + (request.isSecure() ? 443 : 80));
			return uri.getHost() == null || !expected.equalsIgnoreCase(actual);
		}
		catch (IllegalArgumentException ex) {
			return true; // "null" or garbage: an opaque origin
		}
	}

}
