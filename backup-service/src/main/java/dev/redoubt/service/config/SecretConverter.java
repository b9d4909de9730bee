package dev.redoubt.service.config;

import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.core.convert.converter.Converter;
import org.springframework.stereotype.Component;

import dev.redoubt.core.secret.Secret;

/** Binds configuration strings to {@link Secret}, which redacts itself when printed. */
@Component
@ConfigurationPropertiesBinding
public class SecretConverter implements Converter<String, Secret> {

	@Override
	public Secret convert(String source) {
		return Secret.of(source);
	}

}
