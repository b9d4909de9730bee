package dev.redoubt.verify.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.verify.VerificationReport;

/**
 * Writes the three reports into a directory: {@code verification.json},
 * {@code verification.html} and {@code verification-junit.xml}. Each file is written
 * whole to a temporary name and renamed, so a reader never sees half a report.
 */
public final class ReportWriter {

	public static final String JSON = "verification.json";

	public static final String HTML = "verification.html";

	public static final String JUNIT = "verification-junit.xml";

	private ReportWriter() {
	}

	public static List<Path> write(VerificationReport report, Path directory) {
		try {
			Files.createDirectories(directory);
			return List.of(write(directory.resolve(JSON), JsonReport.render(report)),
					write(directory.resolve(HTML), HtmlReport.render(report)),
					write(directory.resolve(JUNIT), JunitReport.render(report)));
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"cannot write reports to " + directory + ": " + ex.getMessage(), ex);
		}
	}

	private static Path write(Path file, String content) throws IOException {
		Path partial = file.resolveSibling(file.getFileName() + ".partial");
		Files.writeString(partial, content, StandardCharsets.UTF_8);
		return Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}

}
