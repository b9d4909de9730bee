package dev.redoubt.service.api;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

import dev.redoubt.core.secret.Secret;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.config.RedoubtProperties;

/**
 * Who may call the service: every request is authenticated with HTTP basic against the
 * configured users (there is no default user or password), except the bare health status
 * a load balancer polls and Kubernetes' liveness and readiness probes. {@code read} users
 * may list and inspect, Prometheus included; only {@code write} users may trigger jobs.
 * No sessions, no CSRF tokens; a write another site makes a browser send (riding on its
 * cached Basic credentials) is refused by {@link CrossSiteRequestFilter}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
public class ApiSecurity {

	public static final String READ = "READ";

	public static final String WRITE = "WRITE";

	@Bean
	SecurityFilterChain apiFilterChain(HttpSecurity http) throws Exception {
		http.authorizeHttpRequests((requests) -> requests
			.requestMatchers(HttpMethod.GET, "/actuator/health", "/actuator/health/liveness",
					"/actuator/health/readiness")
			.permitAll()
			.requestMatchers(HttpMethod.GET, "/**")
			.hasAnyRole(READ, WRITE)
			.requestMatchers(HttpMethod.POST, "/api/**")
			.hasRole(WRITE)
			.anyRequest()
			.denyAll())
			.httpBasic((basic) -> basic.realmName("redoubt"))
			// no sessions, so no CSRF tokens; but a browser re-sends cached Basic
			// credentials with a request another site makes it send: such a request is
			// refused by where it comes from (Sec-Fetch-Site, Origin)
			.csrf((csrf) -> csrf.disable())
			.addFilterBefore(new CrossSiteRequestFilter(),
					org.springframework.security.web.authentication.www.BasicAuthenticationFilter.class)
			.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
		return http.build();
	}

	@Bean
	PasswordEncoder passwordEncoder() {
		return PasswordEncoderFactories.createDelegatingPasswordEncoder();
	}

	/**
	 * The configured users, their passwords hashed at start; none means nobody gets in.
	 */
	@Bean
	UserDetailsService apiUsers(Fleet fleet, PasswordEncoder encoder) {
		List<UserDetails> users = new ArrayList<>();
		for (RedoubtProperties.ApiUser user : fleet.properties().service().users()) {
			Secret password;
			try {
				password = user.secret().orElse(null);
			}
			catch (IOException ex) {
				// reported with every other problem at start-up; this user cannot log in
				continue;
			}
			if (user.name() != null && password != null && !password.isEmpty()) {
				users.add(User.withUsername(user.name())
					.password(encoder.encode(password.reveal()))
					.roles(role(user))
					.build());
			}
		}
		return new InMemoryUserDetailsManager(users);
	}

	private static String role(RedoubtProperties.ApiUser user) {
		return "write".equals(user.role()) ? WRITE : READ;
	}

}
