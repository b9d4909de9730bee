package dev.redoubt.restore.physical;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hostile tar entries in a base backup are refused before a byte lands outside the data
 * directory: a symbolic link made by an earlier entry is never followed.
 */
class TarUnpackTest {

	@TempDir
	Path work;

	@Test
	void anEntryThroughASymlinkMadeByAnEarlierEntryIsRefused() throws Exception {
		Path outside = Files.createDirectories(this.work.resolve("outside"));
		Path data = Files.createDirectories(this.work.resolve("data"));
		byte[] tar = tar((out) -> {
			link(out, "escape", outside.toString());
			file(out, "escape/planted", "owned");
		});
		assertThatThrownBy(() -> unpack(tar, data))
			.isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.CORRUPT_OBJECT))
			.hasMessageContaining("escape/planted")
			.hasMessageContaining("symbolic link escape");
		assertThat(outside.resolve("planted")).doesNotExist();
	}

	@Test
	void entriesOutsideOverExistingOnesAndSpecialFilesAreRefused() throws Exception {
		int index = 0;
		for (Entries entries : new Entries[] { (out) -> file(out, "../x", "a"), (out) -> file(out, "/etc/x", "a"),
				(out) -> file(out, "a/../../x", "a"), (out) -> {
					file(out, "PG_VERSION", "15");
					file(out, "PG_VERSION", "16");
				}, (out) -> {
					link(out, "l", "/");
					file(out, "l", "over the link");
				}, (out) -> {
					TarArchiveEntry hard = new TarArchiveEntry("hard", TarConstants.LF_LINK);
					hard.setLinkName("/etc/passwd");
					out.putArchiveEntry(hard);
					out.closeArchiveEntry();
				}, (out) -> {
					TarArchiveEntry device = new TarArchiveEntry("dev", TarConstants.LF_CHR);
					out.putArchiveEntry(device);
					out.closeArchiveEntry();
				} }) {
			Path data = Files.createDirectories(this.work.resolve("data-" + index));
			assertThatThrownBy(() -> unpack(tar(entries), data)).as("case %d", index++)
				.isInstanceOf(RedoubtException.class);
		}
		assertThat(this.work.resolve("x")).doesNotExist();
	}

	@Test
	void anOrdinaryTreeUnpacks() throws Exception {
		Path data = Files.createDirectories(this.work.resolve("data3"));
		unpack(tar((out) -> {
			file(out, "PG_VERSION", "15\n");
			file(out, "base/1/1259", "page");
			link(out, "pg_tblspc_link", "../elsewhere");
		}), data);
		assertThat(data.resolve("base/1/1259")).hasContent("page");
		assertThat(Files.readSymbolicLink(data.resolve("pg_tblspc_link"))).isEqualTo(Path.of("../elsewhere"));
	}

	private static void unpack(byte[] tar, Path data) throws IOException {
		try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
			BaseBackupExtractor.unpack(in, data, "base backup test");
		}
	}

	interface Entries {

		void write(TarArchiveOutputStream out) throws IOException;

	}

	private static byte[] tar(Entries entries) throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
			out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
			entries.write(out);
		}
		return bytes.toByteArray();
	}

	private static void file(TarArchiveOutputStream out, String name, String content) throws IOException {
		byte[] data = content.getBytes(StandardCharsets.UTF_8);
		TarArchiveEntry entry = new TarArchiveEntry(name, true);
		entry.setSize(data.length);
		entry.setMode(0600);
		out.putArchiveEntry(entry);
		out.write(data);
		out.closeArchiveEntry();
	}

	private static void link(TarArchiveOutputStream out, String name, String target) throws IOException {
		TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
		entry.setLinkName(target);
		out.putArchiveEntry(entry);
		out.closeArchiveEntry();
	}

}
