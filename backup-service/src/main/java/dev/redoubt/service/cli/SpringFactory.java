package dev.redoubt.service.cli;

import org.springframework.context.ApplicationContext;

import picocli.CommandLine;

/**
 * Lets picocli create commands as Spring beans, so they get the fleet and job launcher.
 */
final class SpringFactory implements CommandLine.IFactory {

	private final ApplicationContext context;

	SpringFactory(ApplicationContext context) {
		this.context = context;
	}

	@Override
	public <K> K create(Class<K> type) throws Exception {
		if (type.getPackageName().startsWith("dev.redoubt")) {
			return this.context.getAutowireCapableBeanFactory().createBean(type);
		}
		return CommandLine.defaultFactory().create(type);
	}

}
