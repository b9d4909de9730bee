package dev.redoubt.service.api;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The OpenAPI document's title and its one security scheme (HTTP basic). */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
public class ApiDocumentation {

	@Bean
	OpenAPI redoubtOpenApi() {
		return new OpenAPI()
			.info(new Info().title("Redoubt API")
				.version("1")
				.description("Sources, backups, verifications and job runs of a Redoubt service; triggers for a "
						+ "backup or a verification. Every call needs HTTP basic authentication; POST needs the "
						+ "write role."))
			.components(new Components().addSecuritySchemes("basic",
					new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("basic")))
			.addSecurityItem(new SecurityRequirement().addList("basic"));
	}

}
