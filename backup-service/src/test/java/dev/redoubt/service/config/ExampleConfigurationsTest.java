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
		assertThat(fleet.sources().get("main").drill().rto()).isEqualTo(java.time.Duration.ofMinutes(15));
		assertThat(fleet.sources().get("main.billing").drill().schedule()).as("a physical drill is of the cluster")
			.isNull();
	}

	@org.junit.jupiter.api.Test
	void aDrillSectionIsCheckedNamingEachBadValue() throws Exception {
		RedoubtProperties good = bind(Path.of("..", "config", "production-two-regions.yaml"));
		RedoubtProperties.Source main = good.sources().get("main");
		RedoubtProperties.Source drilled = new RedoubtProperties.Source(main.url(), main.username(), null,
				main.passwordFile(), null, null, List.of(), List.of(), main.schedules(), main.retention(),
				new RedoubtProperties.Drill("every sunday", "virtual", java.time.Duration.ofSeconds(-1), null,
						List.of("eu-west", "mars"), null),
				null);
		RedoubtProperties bad = new RedoubtProperties(java.util.Map.of("main", drilled), good.repositories(),
				good.encryption(), good.backup(), good.restore(), good.verification(), good.service());

		List<String> problems = new Fleet(bad).problems();
		assertThat(problems).anyMatch((problem) -> problem
			.startsWith("redoubt.sources.main.drill.schedule: 'every sunday' is not a Quartz cron expression"));
		assertThat(problems).contains("redoubt.sources.main.drill.type: 'virtual' is not physical or logical",
				"redoubt.sources.main.drill.rto: not positive",
				"redoubt.sources.main.drill.lose-regions[1]: 'mars' is not a region of this source [eu-west, eu-central]");
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
				"redoubt.encryption.key-file: missing (create one with ./redoubt key-generate --out FILE)",
				"redoubt.sources.main.drill.schedule: a drill loses a region and recovers from another; this source has"
						+ " 1 region(s)");
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
