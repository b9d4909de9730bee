package dev.redoubt.service.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import dev.redoubt.core.key.RepositoryKeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Helm chart ({@code charts/redoubt}) through Helm itself (helm-java embeds it): it
 * lints clean, renders a non-root, read-only Deployment whose secrets are files of an
 * existing Secret and never values, its configuration is one the service accepts, and bad
 * values are refused with a message naming the value. There is no Kubernetes here: what
 * only a cluster shows (the pods starting, {@code helm test}) is not tested.
 */
class HelmChartIT {

	private static final Path CHART = Path.of("..", "charts", "redoubt").toAbsolutePath().normalize();

	private static final Path PRODUCTION = CHART.resolve("ci/production-values.yaml");

	@TempDir
	Path dir;

	@Test
	void lintsCleanWithTheRequiredValuesSet() throws Exception {
		// helm lint reads the chart's own values.yaml: lint a copy whose required values
		// are set
		Path copy = this.dir.resolve("redoubt");
		try (var files = Files.walk(CHART)) {
			for (Path file : files.toList()) {
				Path target = copy.resolve(CHART.relativize(file).toString());
				if (Files.isDirectory(file)) {
					Files.createDirectories(target);
				}
				else {
					Files.copy(file, target);
				}
			}
		}
		String values = Files.readString(CHART.resolve("values.yaml"));
		Files.writeString(copy.resolve("values.yaml"),
				values.replace("existingSecret: \"\"", "existingSecret: redoubt-secrets")
					.replace("url: \"\"", "url: jdbc:postgresql://meta.internal:5432/redoubt"));

		LintResult lint = new Helm(copy).lint().strict().call();

		assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
		assertThat(Files.readString(copy.resolve("values.yaml"))).contains("existingSecret: redoubt-secrets")
			.contains("url: jdbc:postgresql://meta.internal:5432/redoubt");
	}

	@Test
	void rendersANonRootReadOnlyDeploymentWithEverySecretAFile() {
		Map<String, Map<String, Object>> objects = render(PRODUCTION);

		// the test hook is not in helm-java's output (hooks are left out); lint renders
		// it
		assertThat(objects).containsKeys("Deployment", "Service", "ConfigMap", "ServiceAccount", "ServiceMonitor",
				"PrometheusRule", "PodDisruptionBudget");
		assertThat(path(objects.get("PodDisruptionBudget"), "spec")).containsEntry("maxUnavailable", 1);
		Map<String, Object> pod = path(objects.get("Deployment"), "spec", "template", "spec");
		assertThat(path(objects.get("Deployment"), "spec")).containsEntry("replicas", 2);
		assertThat(path(pod, "securityContext")).containsEntry("runAsNonRoot", true).containsEntry("runAsUser", 10001);
		Map<String, Object> container = list(pod, "containers").get(0);
		assertThat(container).containsEntry("image", "registry.example.com/redoubt:0.1.0")
			.containsEntry("args", List.of("--config", "/etc/redoubt/redoubt.yaml", "serve"));
		assertThat(path(container, "securityContext")).containsEntry("readOnlyRootFilesystem", true)
			.containsEntry("allowPrivilegeEscalation", false)
			.containsEntry("capabilities", Map.of("drop", List.of("ALL")));
		assertThat(path(container, "livenessProbe", "httpGet")).containsEntry("path", "/actuator/health/liveness");
		assertThat(path(container, "readinessProbe", "httpGet")).containsEntry("path", "/actuator/health/readiness");
		// secrets reach the pod only as files of the existing Secret, read by its owner
		Map<String, Object> secretVolume = list(pod, "volumes").stream()
			.filter((volume) -> volume.get("name").equals("secrets"))
			.findFirst()
			.orElseThrow();
		assertThat(path(secretVolume, "secret")).containsEntry("secretName", "redoubt-secrets")
			.containsEntry("defaultMode", 0400);
		for (Map<String, Object> variable : list(container, "env")) {
			assertThat(variable).as("environment variable").doesNotContainKey("valueFrom");
		}
		assertThat(list(container, "env"))
			.contains(Map.of("name", "AWS_SHARED_CREDENTIALS_FILE", "value", "/etc/redoubt/secrets/aws-credentials"));
		// every directory the service writes is a volume (the root filesystem is
		// read-only)
		assertThat(list(container, "volumeMounts")).extracting((mount) -> mount.get("mountPath"))
			.contains("/var/lib/redoubt", "/var/lib/redoubt/sandbox", "/tmp");
		assertThat(path(objects.get("ServiceMonitor"), "spec").toString()).contains("/actuator/prometheus")
			.contains("redoubt-prometheus");
		// logical backups alert after 26 h, weekly base backups and drills after 8 days,
		// each of the 14 alerts with a runbook
		String rules = path(objects.get("PrometheusRule"), "spec").toString();
		assertThat(rules).contains("{type=\"logical\"} > 93600")
			.contains("{type=\"base\"} > 691200")
			.contains("redoubt_drill_last_timestamp_seconds > 691200");
		assertThat(rules.split("runbook_url=https://", -1)).hasSize(15);
	}

	@Test
	@SuppressWarnings("unchecked")
	void theGrafanaDashboardIsAConfigMapForGrafanasSidecarOffByDefault() throws Exception {
		assertThat(template(PRODUCTION, Map.of())).doesNotContain("grafana-dashboard");
		Map<String, Object> dashboard = null;
		for (Object document : new Yaml().loadAll(
				template(PRODUCTION, Map.of("grafana.dashboard.enabled", true, "grafana.dashboard.folder", "DR")))) {
			if (document instanceof Map<?, ?> object
					&& "redoubt-grafana-dashboard".equals(path((Map<String, Object>) object, "metadata").get("name"))) {
				dashboard = (Map<String, Object>) object;
			}
		}
		assertThat(dashboard).as("the dashboard's ConfigMap").isNotNull();
		assertThat(path(dashboard, "metadata", "labels")).containsEntry("grafana_dashboard", "1");
		assertThat(path(dashboard, "metadata", "annotations")).containsEntry("grafana_folder", "DR");
		String json = (String) path(dashboard, "data").get("redoubt.json");
		tools.jackson.databind.JsonNode parsed = dev.redoubt.core.manifest.ManifestCodec.json().readTree(json);
		assertThat(parsed.path("uid").asString()).isEqualTo("redoubt-fleet");
		assertThat(parsed.path("panels").size()).isGreaterThan(10);
		assertThat(json).isEqualTo(Files.readString(CHART.resolve("dashboards/redoubt.json")).strip());
	}

	@Test
	void theRenderedConfigurationIsOneTheServiceAccepts() throws Exception {
		String rendered = (String) path(render(PRODUCTION).get("ConfigMap"), "data").get("redoubt.yaml");
		// the Secret's files, where the pod would find them
		Path secrets = Files.createDirectory(this.dir.resolve("secrets"));
		RepositoryKeys.generateKeyFile(secrets.resolve("master-key"));
		for (String key : List.of("pg-backup-password", "metadata-password", "api-prometheus", "api-ops")) {
			Files.writeString(secrets.resolve(key), key + "-long-enough\n");
		}
		Path config = this.dir.resolve("redoubt.yaml");
		Files.writeString(config, rendered.replace("/etc/redoubt/secrets/", secrets + "/"));

		RedoubtProperties properties = ExampleConfigurationsTest.bind(config);
		Fleet fleet = new Fleet(properties);

		assertThat(fleet.serviceProblems()).isEmpty();
		assertThat(fleet.sources()).containsOnlyKeys("main", "main.billing");
		assertThat(properties.verification().sandboxDirectory()).isEqualTo(Path.of("/var/lib/redoubt/sandbox"));
		assertThat(properties.service().metadata().secret())
			.hasValueSatisfying((password) -> assertThat(password.reveal()).isEqualTo("metadata-password-long-enough"));
		assertThat(rendered).doesNotContain("password:");
	}

	@Test
	void badValuesAreRefusedNamingTheValue() {
		assertThatThrownBy(() -> template(PRODUCTION, Map.of("secrets.existingSecret", "")))
			.hasMessageContaining("secrets.existingSecret: name the Secret");
		assertThatThrownBy(() -> template(PRODUCTION, Map.of("config.service.metadata.url", "")))
			.hasMessageContaining("replicaCount > 1 needs a PostgreSQL metadata database");
		assertThatThrownBy(() -> template(PRODUCTION, Map.of("replicas", 3))).hasMessageContaining("replicas");
		assertThatThrownBy(() -> template(PRODUCTION, Map.of("image.pullPolicy", "Sometimes")))
			.hasMessageContaining("pullPolicy");
		assertThatThrownBy(() -> template(PRODUCTION, Map.of("config.service.users[0].password", "inline-secret")))
			.hasMessageContaining("users");
		// one replica may keep the embedded H2 metadata database
		assertThat(template(PRODUCTION, Map.of("config.service.metadata.url", "", "replicaCount", 1)))
			.contains("kind: Deployment");
	}

	/**
	 * The PrometheusRule's alerts, through Prometheus's own {@code promtool test rules}
	 * ({@code src/test/resources/promtool/alerts-test.yaml}): a job's first failure, a
	 * source never backed up, a backup too old, never verified, a failed verification, an
	 * old proof, WAL archive lag and WAL archiving failing each fire, and not before.
	 */
	@Test
	@SuppressWarnings("unchecked")
	void everyAlertFiresForItsCaseInPromtool() throws Exception {
		Path promtool = Path.of("/usr/bin/promtool");
		org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(promtool) || System.getenv("CI") != null,
				"promtool is not installed (apt-get install prometheus); .ci/run installs it");
		Map<String, Object> rule = render(PRODUCTION).get("PrometheusRule");
		Files.writeString(this.dir.resolve("rules.yaml"), new Yaml().dump(path(rule, "spec")));
		String runbooks = (String) path(new Yaml().load(Files.readString(CHART.resolve("values.yaml"))), "metrics",
				"prometheusRule")
			.get("runbookBaseUrl");
		try (var in = HelmChartIT.class.getResourceAsStream("/promtool/alerts-test.yaml")) {
			Files.writeString(this.dir.resolve("alerts-test.yaml"),
					new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).replace("RUNBOOKS",
							runbooks));
		}

		Process process = new ProcessBuilder(promtool.toString(), "test", "rules", "alerts-test.yaml")
			.directory(this.dir.toFile())
			.redirectErrorStream(true)
			.start();
		String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

		assertThat(process.waitFor()).as(output).isZero();
		assertThat(output).contains("SUCCESS");
		for (Map<String, Object> group : list(path(rule, "spec"), "groups")) {
			assertThat(list(group, "rules")).extracting((r) -> r.get("alert"))
				.containsExactlyInAnyOrder("RedoubtJobFailed", "RedoubtNeverBackedUp", "RedoubtBackupTooOld",
						"RedoubtNeverVerified", "RedoubtVerificationFailed", "RedoubtVerifiedBackupTooOld",
						"RedoubtWalArchiveLagging", "RedoubtWalArchivingFailing", "RedoubtWalStreamSlotLagging",
						"RedoubtWalStreamSlotLost", "RedoubtDrillFailed", "RedoubtDrillCouldNotRun",
						"RedoubtNeverDrilled", "RedoubtDrillOverdue");
		}
	}

	private static String template(Path values, Map<String, Object> sets) {
		var command = new Helm(CHART).template().withName("redoubt").withValuesFile(values);
		sets.forEach(command::set);
		return command.call();
	}

	/** Each rendered object by kind (one of each kind here). */
	@SuppressWarnings("unchecked")
	private static Map<String, Map<String, Object>> render(Path values) {
		Map<String, Map<String, Object>> byKind = new java.util.TreeMap<>();
		for (Object document : new Yaml().loadAll(template(values, Map.of()))) {
			if (document instanceof Map<?, ?> object) {
				byKind.put((String) object.get("kind"), (Map<String, Object>) object);
			}
		}
		return byKind;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> path(Map<String, Object> object, String... keys) {
		Map<String, Object> at = object;
		for (String key : keys) {
			assertThat(at).as("has " + key).containsKey(key);
			at = (Map<String, Object>) at.get(key);
		}
		return at;
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> list(Map<String, Object> object, String key) {
		return new ArrayList<>((List<Map<String, Object>>) object.get(key));
	}

}
