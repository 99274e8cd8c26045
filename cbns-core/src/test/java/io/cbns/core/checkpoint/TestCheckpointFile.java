package io.cbns.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.CbnsException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestCheckpointFile {
  /** A component whose state is {@code n} floats, written one at a time and in bulk. */
  private static final class Floats implements Checkpointable {
    float[] values;

    Floats(int n, long seed) {
      values = new float[n];
      SplittableRandom r = new SplittableRandom(seed);
      for (int i = 0; i < n; i++) {
        values[i] = (float) r.nextGaussian();
      }
    }

    @Override
    public void saveState(DataOutputStream out) throws IOException {
      out.writeInt(values.length);
      for (float v : values) {
        out.writeFloat(v);
      }
    }

    @Override
    public void loadState(DataInputStream in) throws IOException {
      float[] read = new float[in.readInt()];
      for (int i = 0; i < read.length; i++) {
        read[i] = in.readFloat();
      }
      values = read;
    }
  }

  private static Map<String, Checkpointable> parts(Checkpointable... components) {
    Map<String, Checkpointable> parts = new LinkedHashMap<>();
    for (int i = 0; i < components.length; i++) {
      parts.put("part-" + i, components[i]);
    }
    return parts;
  }

  @Test
  void sectionsOfManyChunksAndEmptyOnesRoundTripInAnyOrder(@TempDir Path dir) {
    Path file = dir.resolve("checkpoint.bin");
    // 100,000 floats: 400 KB, several chunks; an empty (stateless) section between
    Floats big = new Floats(100_000, 1);
    Floats small = new Floats(3, 2);
    CheckpointFile.write(file, "config", parts(big, new Checkpointable() {}, small));

    Floats small2 = new Floats(0, 0);
    Floats big2 = new Floats(0, 0);
    try (CheckpointFile read = CheckpointFile.read(file, "config")) {
      assertThat(read.has("part-1")).isTrue();
      assertThat(read.has("part-3")).isFalse();
      read.restore("part-2", small2); // any order
      read.restore("part-0", big2);
      read.restore("part-1", new Checkpointable() {});
    }
    assertThat(big2.values).containsExactly(big.values);
    assertThat(small2.values).containsExactly(small.values);
  }

  @Test
  void whatIsRestoredIsTheFileThatWasVerifiedEvenIfThePathIsReplaced(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve("checkpoint.bin");
    Floats first = new Floats(30_000, 1);
    CheckpointFile.write(file, "config", parts(first));
    Floats restored = new Floats(0, 0);
    try (CheckpointFile read = CheckpointFile.read(file, "config")) {
      // a newer checkpoint renamed over the path after verification
      CheckpointFile.write(file, "config", parts(new Floats(10, 9)));
      read.restore("part-0", restored);
    }
    assertThat(restored.values).containsExactly(first.values);
  }

  @Test
  void aCheckpointOfTheLengthPrefixedFormatVersion2IsStillRestored(@TempDir Path dir)
      throws IOException {
    Floats state = new Floats(1_000, 3);
    java.io.ByteArrayOutputStream section = new java.io.ByteArrayOutputStream();
    state.saveState(new DataOutputStream(section));
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(body);
    out.writeLong(0x43424E53434B5031L);
    out.writeInt(2);
    byte[] print = "config".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    out.writeInt(print.length);
    out.write(print);
    out.writeInt(1);
    out.writeUTF("state");
    out.writeInt(section.size());
    section.writeTo(out);
    out.flush();
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(body.toByteArray());
    out.writeLong(crc.getValue());
    Path file = dir.resolve("v2.bin");
    Files.write(file, body.toByteArray());

    Floats restored = new Floats(0, 0);
    try (CheckpointFile read = CheckpointFile.read(file, "config")) {
      read.restore("state", restored);
      assertThatThrownBy(
              () ->
                  read.restore(
                      "state",
                      new Checkpointable() {
                        @Override
                        public void loadState(DataInputStream in) throws IOException {
                          in.readInt();
                        }
                      }))
          .hasMessageContaining("holds 4000 bytes more than");
    }
    assertThat(restored.values).containsExactly(state.values);
  }

  @Test
  void aReaderThatReadsLessOrMoreThanTheSectionIsNamed(@TempDir Path dir) {
    Path file = dir.resolve("checkpoint.bin");
    CheckpointFile.write(file, "config", parts(new Floats(50_000, 1)));
    try (CheckpointFile read = CheckpointFile.read(file, "config")) {
      check(read);
    }
  }

  private static void check(CheckpointFile read) {
    assertThatThrownBy(
            () ->
                read.restore(
                    "part-0",
                    new Checkpointable() {
                      @Override
                      public void loadState(DataInputStream in) throws IOException {
                        in.readInt();
                      }
                    }))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("holds 200000 bytes more than");
    assertThatThrownBy(
            () ->
                read.restore(
                    "part-0",
                    new Checkpointable() {
                      @Override
                      public void loadState(DataInputStream in) throws IOException {
                        in.skipNBytes(200_004);
                        in.readByte();
                      }
                    }))
        .hasMessageContaining("is shorter than");
    assertThatThrownBy(() -> read.restore("bank", new Floats(0, 0)))
        .hasMessageContaining("has no 'bank' section");
  }

  @Test
  void aDamagedTruncatedOrForeignFileIsRefusedBeforeAnySectionIsRead(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve("checkpoint.bin");
    CheckpointFile.write(file, "a: 1\nb: 2", parts(new Floats(20_000, 1)));
    assertThatThrownBy(() -> CheckpointFile.read(file, "a: 1\nb: 3"))
        .hasMessageContaining("another configuration")
        .hasMessageContaining("line 2");

    byte[] bytes = Files.readAllBytes(file);
    Path flipped = dir.resolve("flipped.bin");
    Files.write(flipped, bytes);
    try (RandomAccessFile f = new RandomAccessFile(flipped.toFile(), "rw")) {
      f.seek(bytes.length / 2);
      f.write(bytes[bytes.length / 2] ^ 0x10);
    }
    assertThatThrownBy(() -> CheckpointFile.read(flipped, "a: 1\nb: 2"))
        .hasMessageContaining("checksum does not match");

    Path truncated = dir.resolve("truncated.bin");
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 1000));
    assertThatThrownBy(() -> CheckpointFile.read(truncated, "a: 1\nb: 2"))
        .hasMessageContaining("unusable");

    Path foreign = dir.resolve("foreign.bin");
    Files.write(foreign, new byte[64]);
    assertThatThrownBy(() -> CheckpointFile.read(foreign, null))
        .hasMessageContaining("not a cbns checkpoint");
    assertThatThrownBy(() -> CheckpointFile.read(dir.resolve("none.bin"), null))
        .hasMessageContaining("no checkpoint at");
  }
}
