package dev.redoubt.service.config;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.quartz.CronExpression;

import dev.redoubt.core.secret.Secret;

/**
 * The checks of the fleet's configuration beyond each key's own: names that collide,
 * references to regions, cron expressions, retention counts, the service's users. Each
 * problem is one line naming its key.
 */
final class FleetRules {

	/** Source names become the first segment of object keys. */
	private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");

	/**
	 * Whether {@code text} can name a source, region or database of the configuration.
	 */
	static boolean isName(String text) {
		return NAME.matcher(text).matches();
	}

	private FleetRules() {
	}

	static List<String> regionNames(List<RedoubtProperties.Region> regions) {
		List<String> problems = new ArrayList<>();
		Map<String, Integer> seen = new HashMap<>();
		for (int i = 0; i < regions.size(); i++) {
			RedoubtProperties.Region region = regions.get(i);
			String at = "redoubt.repositories[" + i + "]";
			if (region.name() != null) {
				Integer first = seen.putIfAbsent(region.name(), i);
				if (first != null) {
					problems.add(at + ".name: '" + region.name() + "' is also the name of redoubt.repositories[" + first
							+ "]");
				}
			}
			RedoubtProperties.ObjectLock lock = region.objectLock();
			if (lock != null) {
				if (!"GOVERNANCE".equals(lock.mode()) && !"COMPLIANCE".equals(lock.mode())) {
					problems.add(at + ".object-lock.mode: '" + lock.mode() + "' is not GOVERNANCE or COMPLIANCE");
				}
				if (lock.retainFor() == null || lock.retainFor().isNegative() || lock.retainFor().isZero()) {
					problems.add(at + ".object-lock.retain-for: missing or not positive");
				}
			}
		}
		return problems;
	}

	static List<String> source(String name, RedoubtProperties.Source source, RedoubtProperties properties) {
		List<String> problems = new ArrayList<>();
		String at = "redoubt.sources." + name;
		if (!NAME.matcher(name).matches()) {
			problems.add(at + ": '" + name + "' is not a source name (letters, digits, '_', '.', '-')");
		}
		List<String> regionNames = properties.repositories().stream().map(RedoubtProperties.Region::name).toList();
		for (int i = 0; i < source.regions().size(); i++) {
			String region = source.regions().get(i);
			if (!regionNames.contains(region)) {
				problems.add(at + ".regions[" + i + "]: unknown region '" + region + "'; configured: " + regionNames);
			}
		}
		for (int i = 0; i < source.databases().size(); i++) {
			String database = source.databases().get(i);
			String child = name + "." + database;
			if (SourceDatabases.ALL.equals(database)) {
				if (source.databases().size() > 1) {
					problems.add(at + ".databases: 'all' cannot be combined with named databases");
				}
				continue;
			}
			if (!NAME.matcher(database).matches()) {
				problems.add(at + ".databases[" + i + "]: '" + database + "' is not a database name this can name");
			}
			else if (properties.sources().containsKey(child)) {
				problems.add(at + ".databases[" + i + "]: source name '" + child
						+ "' is also configured as redoubt.sources." + child);
			}
		}
		RedoubtProperties.Schedules schedules = source.schedules();
		cron(problems, at + ".schedules.logical", schedules.logical());
		cron(problems, at + ".schedules.base", schedules.base());
		cron(problems, at + ".schedules.verify", schedules.verify());
		cron(problems, at + ".schedules.repo-check", schedules.repoCheck());
		cron(problems, at + ".schedules.retention", schedules.retention());
		drill(problems, at + ".drill", source, regionNames);
		refresh(problems, at + ".refresh", source.refresh());
		RedoubtProperties.Retention retention = source.retention();
		notNegative(problems, at + ".retention.keep-last", retention.keepLast());
		notNegative(problems, at + ".retention.daily", retention.daily());
		notNegative(problems, at + ".retention.weekly", retention.weekly());
		notNegative(problems, at + ".retention.monthly", retention.monthly());
		notNegative(problems, at + ".retention.yearly", retention.yearly());
		if (retention.grace() != null && retention.grace().compareTo(Duration.ZERO) < 0) {
			problems.add(at + ".retention.grace: negative");
		}
		return problems;
	}

	/** What only {@code redoubt serve} needs: users to let into the API. */
	static List<String> service(RedoubtProperties.Service service) {
		List<String> problems = new ArrayList<>();
		if (service.users().isEmpty()) {
			problems.add("redoubt.service.users: none configured (the API has no default password)");
		}
		Map<String, Integer> seen = new HashMap<>();
		for (int i = 0; i < service.users().size(); i++) {
			RedoubtProperties.ApiUser user = service.users().get(i);
			String at = "redoubt.service.users[" + i + "]";
			if (user.name() == null || user.name().isBlank()) {
				problems.add(at + ".name: missing");
			}
			else if (seen.putIfAbsent(user.name(), i) != null) {
				problems.add(at + ".name: '" + user.name() + "' is also the name of redoubt.service.users["
						+ seen.get(user.name()) + "]");
			}
			if (user.password() != null && user.passwordFile() != null) {
				problems.add(at + ": give password or password-file, not both");
			}
			else {
				String key = at + (user.passwordFile() != null ? ".password-file" : ".password");
				try {
					Secret password = user.secret().orElse(null);
					if (password == null || password.isEmpty()) {
						problems.add(key + ": missing (there is no default password)");
					}
					else if (password.reveal().length() < 12) {
						problems.add(key + ": shorter than 12 characters");
					}
				}
				catch (IOException ex) {
					problems.add(unreadable(key, user.passwordFile(), ex));
				}
			}
			if (!"read".equals(user.role()) && !"write".equals(user.role())) {
				problems.add(at + ".role: '" + user.role() + "' is not read or write");
			}
		}
		if (service.threads() != null && service.threads() < 1) {
			problems.add("redoubt.service.threads: must be at least 1");
		}
		RedoubtProperties.Metadata metadata = service.metadata();
		if (metadata.password() != null && metadata.passwordFile() != null) {
			problems.add("redoubt.service.metadata: give password or password-file, not both");
		}
		else if (metadata.passwordFile() != null) {
			try {
				metadata.secret();
			}
			catch (IOException ex) {
				problems.add(unreadable("redoubt.service.metadata.password-file", metadata.passwordFile(), ex));
			}
		}
		if (service.metadata().url() != null && !service.metadata().url().startsWith("jdbc:postgresql:")
				&& !service.metadata().url().startsWith("jdbc:h2:")) {
			problems.add("redoubt.service.metadata.url: not a jdbc:postgresql: or jdbc:h2: URL");
		}
		return problems;
	}

	private static String unreadable(String key, Path file, IOException ex) {
		String why = (ex instanceof NoSuchFileException) ? "no such file"
				: (ex instanceof AccessDeniedException) ? "permission denied" : ex.getMessage();
		return key + ": cannot read " + file + " (" + why + ")";
	}

	private static void refresh(List<String> problems, String at, RedoubtProperties.Refresh refresh) {
		if (refresh == null) {
			return;
		}
		cron(problems, at + ".schedule", refresh.schedule());
		if (refresh.maskKeyFile() == null) {
			problems.add(at + ".mask-key-file: missing (masking needs a key)");
		}
		if (refresh.environments().isEmpty()) {
			problems.add(at + ".environments: none");
		}
		java.util.Set<String> names = new java.util.HashSet<>();
		for (int i = 0; i < refresh.environments().size(); i++) {
			RedoubtProperties.Environment environment = refresh.environments().get(i);
			String key = at + ".environments[" + i + "]";
			if (environment.name() == null || !NAME.matcher(environment.name()).matches()
					|| !names.add(environment.name())) {
				problems.add(key + ".name: missing, not a name, or used twice");
			}
			if (environment.url() == null || !environment.url().startsWith("jdbc:postgresql:")) {
				problems.add(key + ".url: missing or not a jdbc:postgresql: URL");
			}
			if (environment.mask() == null) {
				problems.add(key + ".mask: missing (a refresh always masks)");
			}
			if (environment.password() != null && environment.passwordFile() != null) {
				problems.add(key + ": give password or password-file, not both");
			}
		}
	}

	private static void drill(List<String> problems, String at, RedoubtProperties.Source source,
			List<String> configured) {
		RedoubtProperties.Drill drill = source.drill();
		cron(problems, at + ".schedule", drill.schedule());
		if (drill.type() != null && !"physical".equals(drill.type()) && !"logical".equals(drill.type())) {
			problems.add(at + ".type: '" + drill.type() + "' is not physical or logical");
		}
		for (String key : List.of("rto", "rpo")) {
			java.time.Duration target = key.equals("rto") ? drill.rto() : drill.rpo();
			if (target != null && (target.isNegative() || target.isZero())) {
				problems.add(at + "." + key + ": not positive");
			}
		}
		List<String> regions = source.regions().isEmpty() ? configured : source.regions();
		for (int i = 0; i < drill.loseRegions().size(); i++) {
			if (!regions.contains(drill.loseRegions().get(i))) {
				problems.add(at + ".lose-regions[" + i + "]: '" + drill.loseRegions().get(i)
						+ "' is not a region of this source " + regions);
			}
		}
		if (drill.schedule() != null && regions.size() < 2) {
			problems.add(at + ".schedule: a drill loses a region and recovers from another; this source has "
					+ regions.size() + " region(s)");
		}
	}

	private static void cron(List<String> problems, String key, String expression) {
		if (expression == null) {
			return;
		}
		try {
			CronExpression.validateExpression(expression);
		}
		catch (java.text.ParseException ex) {
			problems.add(key + ": '" + expression + "' is not a Quartz cron expression (seconds minutes hours"
					+ " day-of-month month day-of-week): " + ex.getMessage());
		}
	}

	private static void notNegative(List<String> problems, String key, Integer value) {
		if (value != null && value < 0) {
			problems.add(key + ": negative");
		}
	}

}
