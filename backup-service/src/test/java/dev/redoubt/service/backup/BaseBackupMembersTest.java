package dev.redoubt.service.backup;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

import dev.redoubt.core.manifest.BaseBackupManifest.TarMember;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The member index a base backup records: each offset is where a tar reader started at it
 * finds exactly that member (long names in extended headers included), whatever the chunk
 * boundaries.
 */
class BaseBackupMembersTest {

	@Test
	void everyMemberIsFoundWhereTheIndexPutsIt() throws Exception {
		String longName = "base/16384/" + "x".repeat(140);
		byte[] big = new byte[5000];
		Arrays.fill(big, (byte) 7);
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
			out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
			directory(out, "base/");
			file(out, "PG_VERSION", "15\n".getBytes(StandardCharsets.UTF_8));
			file(out, longName, "long".getBytes(StandardCharsets.UTF_8));
			file(out, "base/16384/2619", "catalog".getBytes(StandardCharsets.UTF_8));
			file(out, "base/16384/16385", big);
			file(out, "base/16384/16385_fsm", new byte[0]);
			file(out, "base/16400/1259", "other database".getBytes(StandardCharsets.UTF_8));
			file(out, "backup_label",
					"START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nSTART TIMELINE: 1\n"
						.getBytes(StandardCharsets.UTF_8));
		}
		byte[] tar = bytes.toByteArray();
		ByteArrayOutputStream chunks = new ByteArrayOutputStream();
		java.util.List<Long> boundaries = new java.util.ArrayList<>();
		BaseBackup.Cutter cutter = new BaseBackup.Cutter(new ByteArrayInputStream(tar), 8192, (buffer, length) -> {
			chunks.write(buffer, 0, length);
			boundaries.add((long) chunks.size());
		});
		List<TarMember> members = BaseBackup.readMembers(cutter).members();
		cutter.drain();

		assertThat(chunks.toByteArray()).as("the chunks hold the whole stream").isEqualTo(tar);
		assertThat(members).extracting(TarMember::path)
			.containsExactly("base/", "PG_VERSION", longName, "base/16384/2619", "base/16384/16385",
					"base/16384/16385_fsm", "base/16400/1259", "backup_label");
		assertThat(members.get(0).offset()).isZero();
		assertThat(members.get(4).size()).isEqualTo(5000);
		assertThat(cutter.ownChunkBytes()).isEqualTo(4096);
		assertThat(boundaries).as("the large member has chunks of its own: one ends before its headers, one after it")
			.contains(members.get(4).offset(), members.get(5).offset());
		assertThat(boundaries).as("small files of one database share a chunk").doesNotContain(members.get(3).offset());
		assertThat(boundaries).as("each database's files start a chunk, and the cluster's after them")
			.contains(members.get(2).offset(), members.get(6).offset(), members.get(7).offset());
		assertThat(BaseBackup.databaseDirectory("base/16384/16385_vm")).isEqualTo("base/16384");
		assertThat(BaseBackup.databaseDirectory("base/")).isEmpty();
		assertThat(BaseBackup.databaseDirectory("global/pg_control")).isEmpty();
		for (int i = 0; i < members.size(); i++) {
			TarMember member = members.get(i);
			long end = (i + 1 < members.size()) ? members.get(i + 1).offset() : tar.length;
			byte[] slice = Arrays.copyOfRange(tar, (int) member.offset(), (int) end);
			try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(slice))) {
				TarArchiveEntry entry = in.getNextEntry();
				assertThat(entry.getName()).isEqualTo(member.path());
				assertThat(in.readAllBytes()).hasSize((int) member.size());
				if (i + 1 < members.size()) {
					assertThat(in.getNextEntry()).as("the slice ends where the next member starts").isNull();
				}
			}
		}
	}

	private static void directory(TarArchiveOutputStream out, String name) throws Exception {
		out.putArchiveEntry(new TarArchiveEntry(name));
		out.closeArchiveEntry();
	}

	private static void file(TarArchiveOutputStream out, String name, byte[] content) throws Exception {
		TarArchiveEntry entry = new TarArchiveEntry(name);
		entry.setSize(content.length);
		out.putArchiveEntry(entry);
		out.write(content);
		out.closeArchiveEntry();
	}

}
