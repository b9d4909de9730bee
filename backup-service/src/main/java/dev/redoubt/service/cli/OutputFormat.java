package dev.redoubt.service.cli;

/** Values of {@code --output}. */
enum OutputFormat {

	text, json

}
