package dev.redoubt.service.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code redoubt key-generate --out FILE}: a new random master key file. */
@Command(name = "key-generate", mixinStandardHelpOptions = true,
		description = { "Write a new random 32-byte master key file (base64, mode 0600).",
				"Keep a copy off the database host: without it no backup can be read." },
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class KeyGenerateCommand implements Callable<Integer> {

	@Option(names = "--out", required = true, paramLabel = "FILE",
			description = "Where to write the key; must not exist.")
	Path out;

	@Override
	public Integer call() throws IOException {
		if (Files.exists(this.out)) {
			throw new RedoubtException(ErrorCode.OBJECT_EXISTS,
					"key file " + this.out + " exists; it is never overwritten");
		}
		RepositoryKeys.generateKeyFile(this.out);
		System.out.println("wrote key file " + this.out);
		return 0;
	}

}
