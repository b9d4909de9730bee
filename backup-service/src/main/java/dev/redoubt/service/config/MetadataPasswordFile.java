package dev.redoubt.service.config;

import java.io.IOException;
import java.nio.file.Path;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.core.env.Environment;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.secret.Secret;

/**
 * Gives the metadata database's connection pool the password in
 * {@code redoubt.service.metadata.password-file} (a mounted secret), which Spring's
 * {@code spring.datasource.password} cannot read from a file. The pool opens no
 * connection before it has it.
 */
@Configuration(proxyBeanMethods = false)
@Profile("metadata")
class MetadataPasswordFile {

	static final String KEY = "redoubt.service.metadata.password-file";

	@Bean
	static BeanPostProcessor metadataPasswordFromFile(Environment environment) {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessBeforeInitialization(Object bean, String name) {
				String file = environment.getProperty(KEY);
				if (bean instanceof HikariDataSource pool && file != null && !file.isBlank()) {
					try {
						pool.setPassword(Secret.fromFile(Path.of(file)).reveal());
					}
					catch (IOException ex) {
						throw new RedoubtException(ErrorCode.CONFIG_INVALID,
								KEY + ": cannot read " + file + " (" + ex.getClass().getSimpleName() + ")");
					}
				}
				return bean;
			}
		};
	}

}
