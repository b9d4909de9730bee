package dev.redoubt.core.codec;

import java.io.InputStream;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChunkCodecTest {

	private final byte[] dataKey = bytes(32, 1);

	private final byte[] idKey = bytes(32, 2);

	@Test
	void roundTripsAcrossSeveralGcmSegments() throws Exception {
		byte[] plain = bytes(3 * SegmentedGcm.SEGMENT_SIZE + 12345, 3);
		EncodedChunk chunk = encode(plain);

		byte[] stored = java.util.Arrays.copyOf(chunk.stored(), chunk.storedLength());
		try (InputStream in = ChunkDecoder.open(stored, this.dataKey, this.idKey, chunk.id())) {
			assertThat(in.readAllBytes()).isEqualTo(plain);
		}
		assertThat(chunk.plainBytes()).isEqualTo(plain.length);
		assertThat(chunk.storedSha256()).isEqualTo(Digests.sha256(stored, 0, stored.length));
	}

	@Test
	void namesEqualPlaintextEquallyAndDifferentPlaintextDifferently() {
		byte[] plain = "1\talpha\n2\tbeta\n".getBytes();
		assertThat(encode(plain).id()).isEqualTo(encode(plain.clone()).id());
		assertThat(encode("1\talpha\n2\tbetA\n".getBytes()).id()).isNotEqualTo(encode(plain).id());
	}

	@Test
	void rejectsAFlippedByteAsATagMismatch() {
		EncodedChunk chunk = encode(bytes(100_000, 4));
		byte[] stored = java.util.Arrays.copyOf(chunk.stored(), chunk.storedLength());
		stored[stored.length / 2] ^= 0x01;

		assertThatThrownBy(() -> ChunkDecoder.readAll(stored, this.dataKey, this.idKey, chunk.id()))
			.isInstanceOf(CorruptDataException.class)
			.hasMessageContaining("fails authentication");
	}

	@Test
	void rejectsTruncationAtASegmentBoundary() {
		EncodedChunk chunk = encode(bytes(2 * SegmentedGcm.SEGMENT_SIZE + 10, 5));
		// keep the header and the first sealed segment only: it was sealed as "not last"
		int firstSegmentEnd = SegmentedGcm.HEADER_BYTES + SegmentedGcm.SEGMENT_SIZE + SegmentedGcm.TAG_BYTES;
		byte[] truncated = java.util.Arrays.copyOf(chunk.stored(), firstSegmentEnd);

		assertThatThrownBy(() -> ChunkDecoder.readAll(truncated, this.dataKey, this.idKey, chunk.id()))
			.isInstanceOf(CorruptDataException.class);
	}

	@Test
	void rejectsContentThatDoesNotMatchTheChunkName() {
		EncodedChunk chunk = encode("some rows\n".getBytes());
		byte[] stored = java.util.Arrays.copyOf(chunk.stored(), chunk.storedLength());
		String otherName = encode("other rows\n".getBytes()).id();

		assertThatThrownBy(() -> ChunkDecoder.readAll(stored, this.dataKey, this.idKey, otherName))
			.isInstanceOf(CorruptDataException.class)
			.hasMessageContaining("keyed hash mismatch");
	}

	@Test
	void contentHashIgnoresRowOrderButNotContent() {
		ContentHash a = new ContentHash();
		ContentHash b = new ContentHash();
		ContentHash c = new ContentHash();
		byte[][] rows = { "1\tx\n".getBytes(), "2\ty\n".getBytes(), "3\tz\n".getBytes() };
		for (byte[] row : rows) {
			a.addRow(row, 0, row.length);
		}
		for (int i = rows.length - 1; i >= 0; i--) {
			b.addRow(rows[i], 0, rows[i].length);
		}
		c.addRow(rows[0], 0, rows[0].length);
		c.addRow(rows[1], 0, rows[1].length);
		c.addRow("3\tZ\n".getBytes(), 0, 4);

		assertThat(a.value()).isEqualTo(b.value());
		assertThat(c.value()).isNotEqualTo(a.value());
		assertThat(ContentHash.combine(java.util.List.of(a.value(), c.value()))).startsWith("xxh64sum:");
	}

	@Test
	void aChunkUnderItsOwnKeyIsTheSameObjectEachTimeAndReadsBackOnlyUnderItsId() {
		byte[] plain = bytes(3 * SegmentedGcm.SEGMENT_SIZE + 77, 6);
		EncodedChunk first = encode(plain, true);
		EncodedChunk again = encode(plain.clone(), true);
		assertThat(java.util.Arrays.copyOf(first.stored(), first.storedLength()))
			.as("equal content, equal object: stored once for every backup that holds it")
			.isEqualTo(java.util.Arrays.copyOf(again.stored(), again.storedLength()));
		assertThat(new String(first.stored(), 0, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("RDB2");
		assertThat(first.id()).as("named as any chunk").isEqualTo(encode(plain).id());
		EncodedChunk plainRandom = encode(plain);
		assertThat(java.util.Arrays.copyOf(plainRandom.stored(), plainRandom.storedLength()))
			.as("a chunk of one backup keeps a random nonce")
			.isNotEqualTo(java.util.Arrays.copyOf(first.stored(), first.storedLength()));

		byte[] stored = java.util.Arrays.copyOf(first.stored(), first.storedLength());
		assertThat(ChunkDecoder.readAll(stored, this.dataKey, this.idKey, first.id())).isEqualTo(plain);
		EncodedChunk other = encode(bytes(500, 7), true);
		assertThatThrownBy(() -> ChunkDecoder.readAll(stored, this.dataKey, this.idKey, other.id()))
			.as("read as another chunk, its key is another")
			.isInstanceOf(CorruptDataException.class);
		byte[] wrongKey = this.dataKey.clone();
		wrongKey[0] ^= 1;
		assertThatThrownBy(() -> ChunkDecoder.readAll(stored, wrongKey, this.idKey, first.id()))
			.isInstanceOf(CorruptDataException.class);
		byte[] downgraded = stored.clone();
		downgraded[3] = '1';
		assertThatThrownBy(() -> ChunkDecoder.readAll(downgraded, this.dataKey, this.idKey, first.id()))
			.as("the header is authenticated: RDB2 relabelled RDB1 fails")
			.isInstanceOf(CorruptDataException.class);
	}

	private EncodedChunk encode(byte[] plain) {
		return encode(plain, false);
	}

	private EncodedChunk encode(byte[] plain, boolean perChunkKey) {
		ChunkEncoder encoder = new ChunkEncoder(this.dataKey, this.idKey, 1, 1024, perChunkKey);
		encoder.begin();
		for (int offset = 0; offset < plain.length; offset += 1000) {
			encoder.write(plain, offset, Math.min(1000, plain.length - offset));
		}
		return encoder.finish();
	}

	private static byte[] bytes(int length, long seed) {
		byte[] bytes = new byte[length];
		new Random(seed).nextBytes(bytes);
		return bytes;
	}

}
