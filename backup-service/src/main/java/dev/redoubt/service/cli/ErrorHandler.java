package dev.redoubt.service.cli;

import java.io.PrintWriter;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import picocli.CommandLine;

/**
 * Turns a failed command into one line on stderr (and a JSON error object on stdout with
 * {@code --output json}) and the error's exit status. Stack traces only with
 * {@code REDOUBT_DEBUG=1}: messages are written to name what failed, causes add noise.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {

	@Override
	public int handleExecutionException(Exception ex, CommandLine commandLine, CommandLine.ParseResult parseResult) {
		RedoubtException error = (ex instanceof RedoubtException redoubt) ? redoubt
				: new RedoubtException(ErrorCode.INTERNAL, ex.getClass().getSimpleName() + ": " + ex.getMessage(), ex);
		PrintWriter err = commandLine.getErr();
		err.println("redoubt: " + error.code().summary() + ": " + error.describe());
		if ("1".equals(System.getenv("REDOUBT_DEBUG"))) {
			ex.printStackTrace(err);
		}
		err.flush();
		Object command = commandLine.getCommand();
		if (command instanceof JsonOutput json && json.json()) {
			Output.printJson(commandLine.getOut(), java.util.Map.of("error", Output.error(error)));
		}
		return error.code().exitCode();
	}

}
