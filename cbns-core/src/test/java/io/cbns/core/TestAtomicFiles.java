package io.cbns.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestAtomicFiles {
  @Test
  void aWriterThatClosesItsStreamStillProducesTheWholeFile(@TempDir Path dir) throws IOException {
    Path target = dir.resolve("out.bin");
    AtomicFiles.write(
        target,
        out -> {
          out.write(new byte[] {1, 2, 3});
          out.close(); // Arrow's writers do this
        });
    assertThat(Files.readAllBytes(target)).containsExactly(1, 2, 3);
    assertThat(dir.toFile().list()).containsExactly("out.bin");
  }

  @Test
  void aFailedWriteLeavesTheOldFileAndNoTemporaryFile(@TempDir Path dir) throws IOException {
    Path target = dir.resolve("keep.txt");
    Files.writeString(target, "old");
    assertThatThrownBy(
            () ->
                AtomicFiles.write(
                    target,
                    out -> {
                      out.write(42);
                      throw new IOException("disk full");
                    }))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("keep.txt")
        .hasMessageContaining("disk full");
    assertThat(Files.readString(target)).isEqualTo("old");
    assertThat(dir.toFile().list()).containsExactly("keep.txt");
  }

  @Test
  void aWrittenFileHasThePermissionsOfAnyNewFileNotPrivateOnes(@TempDir Path dir)
      throws IOException {
    // what the umask gives a new file here (0644 with the usual 022)
    Set<PosixFilePermission> usual =
        Files.getPosixFilePermissions(Files.createFile(dir.resolve("plain")));
    Path target = dir.resolve("config.yaml");
    AtomicFiles.writeString(target, "seed: 1\n");
    assertThat(Files.getPosixFilePermissions(target)).isEqualTo(usual);
    AtomicFiles.writeString(target, "seed: 2\n");
    assertThat(Files.getPosixFilePermissions(target)).isEqualTo(usual);
    assertThat(dir.toFile().list()).containsExactlyInAnyOrder("plain", "config.yaml");
  }
}
