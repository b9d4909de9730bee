package dev.redoubt.service.dashboard;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

import dev.redoubt.service.api.ApiSecurity;

/**
 * Who may see the dashboard: the API's users and roles, signed in with a login form and a
 * session (browsers) or HTTP Basic on each request (scripts, as the API). Every form that
 * changes something carries a CSRF token; only the write role may trigger a job or see
 * the page that confirms one. Pages may load nothing but their own style sheet: no
 * scripts at all, no framing by other sites.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
public class DashboardSecurity {

	/** The dashboard's paths; everything else is the API's ({@code ApiSecurity}). */
	static final String[] PATHS = { "/", "/login", "/logout", "/sources/**", "/dashboard/**" };

	private static final String FORBIDDEN = """
			<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Forbidden · Redoubt</title>
			<link rel="stylesheet" href="/dashboard/dashboard.css"></head><body><main><p><a href="/">← the fleet</a></p>
			<h1>403</h1><p class="bad">Not allowed: running jobs needs the write role, and every change a form
			of this dashboard sent (with its token).</p></main></body></html>
			""";

	@Bean
	@Order(1)
	SecurityFilterChain dashboardFilterChain(HttpSecurity http) throws Exception {
		http.securityMatcher(PATHS)
			.authorizeHttpRequests((requests) -> requests.requestMatchers("/login", "/dashboard/**")
				.permitAll()
				.requestMatchers(HttpMethod.POST, "/sources/*/run")
				.hasRole(ApiSecurity.WRITE)
				.requestMatchers(HttpMethod.GET, "/sources/*/run")
				.hasRole(ApiSecurity.WRITE)
				.requestMatchers(HttpMethod.GET, "/", "/sources/**")
				.hasAnyRole(ApiSecurity.READ, ApiSecurity.WRITE)
				.anyRequest()
				.denyAll())
			.formLogin((form) -> form.loginPage("/login").defaultSuccessUrl("/", false).permitAll())
			.httpBasic((basic) -> basic.realmName("redoubt"))
			.logout((logout) -> logout.logoutSuccessUrl("/login?logout"))
			// written here, not forwarded: a forward or an error dispatch would pass the
			// filters again
			.exceptionHandling((exceptions) -> exceptions.accessDeniedHandler((request, response, denied) -> {
				response.setStatus(403);
				response.setContentType("text/html;charset=UTF-8");
				response.getWriter().write(FORBIDDEN);
			}))
			.headers((headers) -> headers
				.contentSecurityPolicy((csp) -> csp.policyDirectives("default-src 'none'; style-src 'self'; "
						+ "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")));
		return http.build();
	}

}
