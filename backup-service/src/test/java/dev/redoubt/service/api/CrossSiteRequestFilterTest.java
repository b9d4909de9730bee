package dev.redoubt.service.api;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A write another site makes a browser send (with its cached Basic credentials) is
 * refused; the same write from the service's own page, or from a client that is not a
 * browser, is not.
 */
class CrossSiteRequestFilterTest {

	@Test
	void crossSiteWritesAreRefusedAndOthersPass() throws Exception {
		assertThat(status("POST", "cross-site", null)).isEqualTo(403);
		assertThat(status("POST", "same-site", null)).isEqualTo(403);
		assertThat(status("POST", null, "https://evil.example")).isEqualTo(403);
		assertThat(status("POST", null, "null")).isEqualTo(403);
		assertThat(status("POST", null, "http://redoubt.internal:8080.evil.example")).isEqualTo(403);
		assertThat(status("POST", "same-origin", "http://redoubt.internal:8080")).isEqualTo(200);
		assertThat(status("POST", null, null)).isEqualTo(200);
		assertThat(status("GET", "cross-site", "https://evil.example")).isEqualTo(200);
	}

	private static int status(String method, String fetchSite, String origin) throws Exception {
		MockHttpServletRequest request = new MockHttpServletRequest(method, "/api/sources/shop/backups");
		request.addHeader("Host", "redoubt.internal:8080");
		if (fetchSite != null) {
			request.addHeader("Sec-Fetch-Site", fetchSite);
		}
		if (origin != null) {
			request.addHeader("Origin", origin);
		}
		MockHttpServletResponse response = new MockHttpServletResponse();
		new CrossSiteRequestFilter().doFilter(request, response, new MockFilterChain());
		return response.getStatus();
	}

}
