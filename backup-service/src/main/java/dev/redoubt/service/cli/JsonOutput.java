package dev.redoubt.service.cli;

/** A command that can print JSON instead of text. */
interface JsonOutput {

	boolean json();

}
