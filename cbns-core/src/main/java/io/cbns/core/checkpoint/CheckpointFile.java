package io.cbns.core.checkpoint;

import static java.util.Objects.requireNonNull;

import io.cbns.core.AtomicFiles;
import io.cbns.core.CbnsException;
import io.cbns.core.RunDirectory;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * One checkpoint file: named sections, each the bytes a {@link Checkpointable} wrote, behind a
 * header that holds the configuration fingerprint (any text; the runner uses the resolved
 * configuration itself, so that a mismatch names the first differing line), and followed by a
 * CRC-32 of everything before it.
 *
 * <p>Streamed both ways, so that a checkpoint costs no memory beyond what a component holds while
 * it writes or reads its state: a section is written as it is produced, in chunks ({@code int}
 * length, bytes; a zero length ends the section), through the checksum and into the file; reading
 * checks the checksum in one pass over the file and then restores each section straight from the
 * file. (Holding the file in memory would cost several times the state: at a million users the
 * parameters and Adam's moments are about 800 MB.)
 *
 * <p>Written atomically (a temporary sibling, then a rename over the previous checkpoint), so the
 * previous good checkpoint stays in place until the new one is complete, and a process killed while
 * writing leaves the previous one intact. Verified (magic, checksum, version, fingerprint) before
 * any section is restored, so a truncated or corrupt file, or one from a different configuration,
 * is rejected before it changes anything.
 */
public final class CheckpointFile {
  private static final long MAGIC = 0x43424E53434B5031L; // "CBNSCKP1"
  private static final int VERSION = 3;
  private static final int CHUNK = 1 << 16;

  private final Path file;
  // section name to the file offset of its first chunk
  private final Map<String, Long> sections;

  private CheckpointFile(Path file, Map<String, Long> sections) {
    this.file = file;
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
    AtomicFiles.write(
        file,
        os -> {
          BufferedOutputStream buffered = new BufferedOutputStream(os, CHUNK);
          CRC32 crc = new CRC32();
          DataOutputStream out = new DataOutputStream(new CheckedOutputStream(buffered, crc));
          out.writeLong(MAGIC);
          out.writeInt(VERSION);
          byte[] print = fingerprint.getBytes(StandardCharsets.UTF_8);
          out.writeInt(print.length);
          out.write(print);
          out.writeInt(parts.size());
          for (Map.Entry<String, Checkpointable> part : parts.entrySet()) {
            out.writeUTF(part.getKey());
            ChunkedOutputStream chunks = new ChunkedOutputStream(out);
            DataOutputStream section = new DataOutputStream(chunks);
            part.getValue().saveState(section);
            section.flush();
            chunks.end();
          }
          out.flush();
          // the checksum itself is not part of what it covers
          new DataOutputStream(buffered).writeLong(crc.getValue());
          buffered.flush();
        });
  }

  /**
   * Reads and verifies a checkpoint: its checksum over the whole file, then its header and where
   * each section starts; the sections are read by {@link #restore}.
   *
   * @throws CbnsException naming the file when it is missing, truncated, corrupt, of another format
   *     version, or written for another configuration
   */
  public static CheckpointFile read(Path file, String expectedFingerprint) {
    requireNonNull(file, "file is null");
    long length;
    try {
      length = Files.size(file);
    } catch (NoSuchFileException e) {
      throw new CbnsException(
          "no checkpoint at " + file + "; the run stopped before its first checkpoint was written");
    } catch (IOException e) {
      throw new CbnsException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
    }
    if (length < 8 + 4 + 4 + 4 + 8) {
      throw corrupt(file, "it is " + length + " bytes long");
    }
    long bodyLength = length - 8;
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), CHUNK)) {
      CRC32 crc = new CRC32();
      DataInputStream in = new DataInputStream(new CheckedInputStream(raw, crc));
      if (in.readLong() != MAGIC) {
        throw corrupt(file, "it is not a cbns checkpoint");
      }
      byte[] buffer = new byte[CHUNK];
      for (long left = bodyLength - 8; left > 0; ) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          throw new EOFException();
        }
        left -= n;
      }
      if (new DataInputStream(raw).readLong() != crc.getValue()) {
        throw corrupt(file, "its checksum does not match (truncated or damaged)");
      }
    } catch (EOFException e) {
      throw corrupt(file, "it ends early");
    } catch (IOException e) {
      throw new CbnsException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
    }
    try (CountingInput counting =
            new CountingInput(new BufferedInputStream(Files.newInputStream(file), CHUNK));
        DataInputStream in = new DataInputStream(counting)) {
      in.readLong(); // the magic, checked above
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
      Map<String, Long> sections = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        sections.put(name, counting.position());
        for (int chunk = in.readInt(); chunk != 0; chunk = in.readInt()) {
          if (chunk < 0 || chunk > CHUNK) {
            throw corrupt(file, "section '" + name + "' is damaged");
          }
          in.skipNBytes(chunk);
        }
      }
      return new CheckpointFile(file, sections);
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
   * Restores one section into {@code target}, which must read exactly the section's bytes; the
   * section is read from the file as the target asks for it.
   *
   * @throws CbnsException when the section is missing, or read short or long
   */
  public void restore(String name, Checkpointable target) {
    Long offset = sections.get(name);
    if (offset == null) {
      throw new CbnsException(
          "the checkpoint has no '" + name + "' section (it was written by another component)");
    }
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), CHUNK)) {
      raw.skipNBytes(offset);
      ChunkedInputStream section = new ChunkedInputStream(new DataInputStream(raw));
      target.loadState(new DataInputStream(section));
      long left = section.skipToEnd();
      if (left != 0) {
        throw new CbnsException(
            "checkpoint section '"
                + name
                + "' holds "
                + left
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

  /** A section's bytes as chunks: {@code int} length, bytes; {@link #end} writes a zero length. */
  private static final class ChunkedOutputStream extends OutputStream {
    private final DataOutputStream out;
    private final byte[] buffer = new byte[CHUNK];
    private int size;

    ChunkedOutputStream(DataOutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      if (size == buffer.length) {
        emit();
      }
      buffer[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (size == buffer.length) {
          emit();
        }
        int n = Math.min(len, buffer.length - size);
        System.arraycopy(b, off, buffer, size, n);
        size += n;
        off += n;
        len -= n;
      }
    }

    private void emit() throws IOException {
      if (size > 0) {
        out.writeInt(size);
        out.write(buffer, 0, size);
        size = 0;
      }
    }

    /** Writes what is buffered and the end of the section; the stream under it stays open. */
    void end() throws IOException {
      emit();
      out.writeInt(0);
    }
  }

  /** Reads a section written by {@link ChunkedOutputStream}: end of stream at its zero length. */
  private static final class ChunkedInputStream extends InputStream {
    private final DataInputStream in;
    private int left;
    private boolean ended;

    ChunkedInputStream(DataInputStream in) {
      this.in = in;
    }

    /** Moves to the next chunk when this one is read; false at the section's end. */
    private boolean more() throws IOException {
      while (left == 0 && !ended) {
        int n = in.readInt();
        if (n < 0 || n > CHUNK) {
          throw new IOException("damaged section (chunk of " + n + " bytes)");
        }
        left = n;
        ended = n == 0;
      }
      return !ended;
    }

    @Override
    public int read() throws IOException {
      if (!more()) {
        return -1;
      }
      left--;
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!more()) {
        return -1;
      }
      int n = in.read(b, off, Math.min(len, left));
      if (n < 0) {
        throw new EOFException();
      }
      left -= n;
      return n;
    }

    /** Skips what the reader left of the section; returns how many bytes that was. */
    long skipToEnd() throws IOException {
      long skipped = 0;
      while (more()) {
        in.skipNBytes(left);
        skipped += left;
        left = 0;
      }
      return skipped;
    }
  }

  /** Counts the bytes read through it, to note where each section starts. */
  private static final class CountingInput extends InputStream {
    private final InputStream in;
    private long position;

    CountingInput(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        position++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        position += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = in.skip(n);
      position += skipped;
      return skipped;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }

    long position() {
      return position;
    }
  }
}
