package io.cbns.core.checkpoint;

import static java.util.Objects.requireNonNull;

import io.cbns.core.AtomicFiles;
import io.cbns.core.CbnsException;
import io.cbns.core.RunDirectory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * One checkpoint file: named sections, each the bytes a {@link Checkpointable} wrote, behind a
 * header that holds the configuration fingerprint (any text; the runner uses the resolved
 * configuration itself, so that a mismatch names the first differing line), and followed by a
 * CRC-32 of everything before it.
 *
 * <p>Written atomically (a temporary sibling, then a rename over the previous checkpoint), so the
 * previous good checkpoint stays in place until the new one is complete, and a process killed while
 * writing leaves the previous one intact. Read whole and verified (magic, version, checksum,
 * fingerprint) before any section is restored, so a truncated or corrupt file, or one from a
 * different configuration, is rejected before it changes anything.
 */
public final class CheckpointFile {
  private static final long MAGIC = 0x43424E53434B5031L; // "CBNSCKP1"
  private static final int VERSION = 2;

  private final Map<String, byte[]> sections;

  private CheckpointFile(Map<String, byte[]> sections) {
    this.sections = sections;
  }

  /**
   * Writes the sections in order, atomically replacing {@code file}.
   *
   * @param fingerprint identifies the configuration; {@link #read} refuses another one
   * @param parts section name to component, in the order they are written
   */
  public static void write(Path file, String fingerprint, Map<String, Checkpointable> parts) {
    requireNonNull(file, "file is null");
    requireNonNull(fingerprint, "fingerprint is null");
    ByteArrayOutputStream body = new ByteArrayOutputStream(1 << 20);
    try (DataOutputStream out = new DataOutputStream(body)) {
      out.writeLong(MAGIC);
      out.writeInt(VERSION);
      byte[] print = fingerprint.getBytes(StandardCharsets.UTF_8);
      out.writeInt(print.length);
      out.write(print);
      out.writeInt(parts.size());
      for (Map.Entry<String, Checkpointable> part : parts.entrySet()) {
        ByteArrayOutputStream section = new ByteArrayOutputStream();
        try (DataOutputStream s = new DataOutputStream(section)) {
          part.getValue().saveState(s);
        }
        out.writeUTF(part.getKey());
        out.writeInt(section.size());
        section.writeTo(out);
      }
    } catch (IOException e) {
      throw new CbnsException("cannot serialise checkpoint " + file + ": " + e.getMessage(), e);
    }
    CRC32 crc = new CRC32();
    byte[] bytes = body.toByteArray();
    crc.update(bytes);
    AtomicFiles.write(
        file,
        os -> {
          os.write(bytes);
          DataOutputStream tail = new DataOutputStream(os);
          tail.writeLong(crc.getValue());
          tail.flush();
        });
  }

  /**
   * Reads and verifies a checkpoint.
   *
   * @throws CbnsException naming the file when it is missing, truncated, corrupt, of another format
   *     version, or written for another configuration
   */
  public static CheckpointFile read(Path file, String expectedFingerprint) {
    requireNonNull(file, "file is null");
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new CbnsException(
          "no checkpoint at " + file + "; the run stopped before its first checkpoint was written");
    } catch (IOException e) {
      throw new CbnsException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
    }
    if (bytes.length < 8 + 4 + 2 + 4 + 8) {
      throw corrupt(file, "it is " + bytes.length + " bytes long");
    }
    int bodyLength = bytes.length - 8;
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, bodyLength);
    long stored = 0;
    for (int i = bodyLength; i < bytes.length; i++) {
      stored = (stored << 8) | (bytes[i] & 0xFF);
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 0, bodyLength))) {
      if (in.readLong() != MAGIC) {
        throw corrupt(file, "it is not a cbns checkpoint");
      }
      if (stored != crc.getValue()) {
        throw corrupt(file, "its checksum does not match (truncated or damaged)");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new CbnsException(
            "checkpoint "
                + file
                + " has format version "
                + version
                + "; this build reads "
                + VERSION);
      }
      int printLength = in.readInt();
      if (printLength < 0 || printLength > bodyLength) {
        throw corrupt(file, "its header is damaged");
      }
      byte[] print = new byte[printLength];
      in.readFully(print);
      String fingerprint = new String(print, StandardCharsets.UTF_8);
      if (expectedFingerprint != null && !fingerprint.equals(expectedFingerprint)) {
        throw new CbnsException(
            "checkpoint "
                + file
                + " was written for another configuration ("
                + firstDifference(fingerprint, expectedFingerprint)
                + "); resume with the run's own config.yaml");
      }
      int count = in.readInt();
      Map<String, byte[]> sections = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        byte[] section = new byte[in.readInt()];
        in.readFully(section);
        sections.put(name, section);
      }
      return new CheckpointFile(sections);
    } catch (EOFException e) {
      throw corrupt(file, "it ends early");
    } catch (IOException e) {
      throw new CbnsException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
    }
  }

  /** Whether the checkpoint has the section. */
  public boolean has(String name) {
    return sections.containsKey(name);
  }

  /**
   * Restores one section into {@code target}, which must read exactly the section's bytes.
   *
   * @throws CbnsException when the section is missing, or read short or long
   */
  public void restore(String name, Checkpointable target) {
    byte[] section = sections.get(name);
    if (section == null) {
      throw new CbnsException(
          "the checkpoint has no '" + name + "' section (it was written by another component)");
    }
    try (CountingStream counting = new CountingStream(section);
        DataInputStream in = new DataInputStream(counting)) {
      target.loadState(in);
      if (counting.remaining() != 0) {
        throw new CbnsException(
            "checkpoint section '"
                + name
                + "' holds "
                + counting.remaining()
                + " bytes more than "
                + target.getClass().getSimpleName()
                + " reads (was the configuration changed?)");
      }
    } catch (EOFException e) {
      throw new CbnsException(
          "checkpoint section '"
              + name
              + "' is shorter than "
              + target.getClass().getSimpleName()
              + " expects (was the configuration changed?)",
          e);
    } catch (IOException e) {
      throw new CbnsException(
          "cannot restore checkpoint section '" + name + "': " + e.getMessage(), e);
    }
  }

  /** The first line where two fingerprints (usually configuration texts) differ. */
  private static String firstDifference(String stored, String current) {
    String[] a = stored.split("\n", -1);
    String[] b = current.split("\n", -1);
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      String x = i < a.length ? a[i] : "(nothing)";
      String y = i < b.length ? b[i] : "(nothing)";
      if (!x.equals(y)) {
        return "line " + (i + 1) + ": checkpoint '" + x.strip() + "', this run '" + y.strip() + "'";
      }
    }
    return "fingerprints differ";
  }

  private static CbnsException corrupt(Path file, String why) {
    Path dir = file.toAbsolutePath().getParent();
    return new CbnsException(
        "checkpoint "
            + file
            + " is unusable: "
            + why
            + " (checkpoints are replaced atomically, so the file was changed after it was"
            + " written); restore a copy of it, or start the run over in a new run directory:"
            + " ./cbns train --config "
            + dir.resolve(RunDirectory.CONFIG_FILE)
            + " --set run.name=NEW_NAME (or remove "
            + dir
            + " and repeat the original command)");
  }

  /** A byte-array stream that tells how much is left unread. */
  private static final class CountingStream extends InputStream {
    private final ByteArrayInputStream in;

    CountingStream(byte[] bytes) {
      this.in = new ByteArrayInputStream(bytes);
    }

    @Override
    public int read() {
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) {
      return in.read(b, off, len);
    }

    int remaining() {
      return in.available();
    }
  }
}
