package dev.redoubt.service.config;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.FileSystemResource;
import org.springframework.format.support.DefaultFormattingConversionService;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every example under config/ binds and validates: only the key file, absent here, is
 * missing.
 */
class ExampleConfigurationsTest {

	@ParameterizedTest
	@ValueSource(strings = { "local-demo.yaml", "production-two-regions.yaml" })
	void exampleBindsAndHasNoProblemButTheAbsentKeyFile(String name) throws Exception {
		RedoubtProperties properties = bind(Path.of("..", "config", name));

		List<String> problems = new Fleet(properties).problems();

		assertThat(properties.sources()).isNotEmpty();
		assertThat(properties.repositories()).hasSize(2);
		assertThat(problems).singleElement()
			.asString()
			.startsWith("redoubt.encryption.key-file: ")
			.endsWith("is not readable");
	}

	@org.junit.jupiter.api.Test
	void theProductionExampleIsAServiceWithSchedulesAndUsers() throws Exception {
		RedoubtProperties properties = bind(Path.of("..", "config", "production-two-regions.yaml"));
		Fleet fleet = new Fleet(properties);

		assertThat(fleet.serviceProblems()).isEqualTo(fleet.problems());
		assertThat(fleet.sources()).containsOnlyKeys("main", "main.billing");
		assertThat(fleet.sources().get("main.billing").url()).isEqualTo("jdbc:postgresql://db1.internal:5432/billing");
		assertThat(fleet.sources().get("main.billing").schedules().base()).as("a base backup is of the cluster")
			.isNull();
		assertThat(properties.service().users()).hasSize(2);
	}

	@ParameterizedTest
	@ValueSource(strings = { "production-two-regions.yaml" })
	void reportsEveryProblemAtOnce(String name) throws Exception {
		RedoubtProperties good = bind(Path.of("..", "config", name));
		RedoubtProperties bad = new RedoubtProperties(good.sources(),
				List.of(new RedoubtProperties.Region(null, "s3", null, null, null, null, null, null, null, null, null)),
				new RedoubtProperties.Encryption(null, null), null, null, null, null);

		assertThat(new Fleet(bad).problems()).containsExactly("redoubt.repositories[0].name: missing",
				"redoubt.repositories[0].bucket: missing",
				"redoubt.repositories[0].region: missing (or give an endpoint)",
				"redoubt.encryption.key-file: missing (create one with ./redoubt key-generate --out FILE)");
	}

	static RedoubtProperties bind(Path file) throws Exception {
		StandardEnvironment environment = new StandardEnvironment();
		for (PropertySource<?> source : new YamlPropertySourceLoader().load(file.toString(),
				new FileSystemResource(file))) {
			environment.getPropertySources().addLast(source);
		}
		DefaultFormattingConversionService conversion = new DefaultFormattingConversionService();
		conversion.addConverter(new SecretConverter());
		conversion.addConverter(String.class, org.springframework.util.unit.DataSize.class,
				org.springframework.util.unit.DataSize::parse);
		conversion.addConverter(String.class, java.time.Duration.class,
				(s) -> org.springframework.boot.convert.DurationStyle.detectAndParse(s));
		Binder binder = new Binder(ConfigurationPropertySources.get(environment), null, conversion);
		return binder.bind("redoubt", RedoubtProperties.class).get();
	}

}
