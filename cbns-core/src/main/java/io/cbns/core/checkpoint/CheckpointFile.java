package io.cbns.core.checkpoint;

import static java.util.Objects.requireNonNull;

import io.cbns.core.AtomicFiles;
import io.cbns.core.CbnsException;
import io.cbns.core.RunDirectory;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
public final class CheckpointFile implements Closeable {
  private static final long MAGIC = 0x43424E53434B5031L; // "CBNSCKP1"
  private static final int VERSION = 3;
  // version 2 held each section as an int length and its bytes; still read, so that a run stopped
  // by an earlier build can be resumed
  private static final int LENGTH_PREFIXED = 2;
  private static final int CHUNK = 1 << 16;

  private final Path file;
  // the file as it was verified: sections are read from this channel, never from the path again
  private final FileChannel channel;
  private final int version;
  // section name to {file offset of its content, its length (version 2) or -1 (chunks)}
  private final Map<String, long[]> sections;

  private CheckpointFile(
      Path file, FileChannel channel, int version, Map<String, long[]> sections) {
    this.file = file;
    this.channel = channel;
    this.version = version;
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
   * each section starts. The file stays open until {@link #close}, and {@link #restore} reads the
   * sections from it: what is restored is what was verified, even if the path is replaced.
   *
   * @throws CbnsException naming the file when it is missing, truncated, corrupt, of another format
   *     version, or written for another configuration
   */
  public static CheckpointFile read(Path file, String expectedFingerprint) {
    requireNonNull(file, "file is null");
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new CbnsException(
          "no checkpoint at " + file + "; the run stopped before its first checkpoint was written");
    } catch (IOException e) {
      throw new CbnsException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
    }
    try {
      return verified(file, channel, expectedFingerprint);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  private static CheckpointFile verified(
      Path file, FileChannel channel, String expectedFingerprint) {
    try {
      long length = channel.size();
      if (length < 8 + 4 + 4 + 4 + 8) {
        throw corrupt(file, "it is " + length + " bytes long");
      }
      long bodyLength = length - 8;
      InputStream raw = from(channel, 0);
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

      CountingInput counting = new CountingInput(from(channel, 0));
      in = new DataInputStream(counting);
      in.readLong(); // the magic, checked above
      int version = in.readInt();
      if (version != VERSION && version != LENGTH_PREFIXED) {
        throw new CbnsException(
            "checkpoint "
                + file
                + " has format version "
                + version
                + "; this build reads "
                + LENGTH_PREFIXED
                + " and "
                + VERSION
                + ": resume with the build that wrote it, or start the run over");
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
      Map<String, long[]> sections = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        if (version == LENGTH_PREFIXED) {
          int size = in.readInt();
          if (size < 0 || size > bodyLength) {
            throw corrupt(file, "section '" + name + "' is damaged");
          }
          sections.put(name, new long[] {counting.position(), size});
          in.skipNBytes(size);
          continue;
        }
        sections.put(name, new long[] {counting.position(), -1});
        for (int chunk = in.readInt(); chunk != 0; chunk = in.readInt()) {
          if (chunk < 0 || chunk > CHUNK) {
            throw corrupt(file, "section '" + name + "' is damaged");
          }
          in.skipNBytes(chunk);
        }
      }
      return new CheckpointFile(file, channel, version, sections);
    } catch (EOFException e) {
      throw corrupt(file, "it ends early");
    } catch (IOException e) {
      throw new CbnsException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * A buffered stream over the channel from {@code position}; closing it leaves the channel open.
   */
  private static InputStream from(FileChannel channel, long position) throws IOException {
    channel.position(position);
    InputStream in = Channels.newInputStream(channel);
    return new BufferedInputStream(
        new FilterInputStream(in) {
          @Override
          public void close() {}
        },
        CHUNK);
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // already failing: the first error is the one reported
    }
  }

  /** Closes the file. */
  @Override
  public void close() {
    closeQuietly(channel);
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
    long[] at = sections.get(name);
    if (at == null) {
      throw new CbnsException(
          "checkpoint "
              + file
              + " has no '"
              + name
              + "' section (it was written by another component)");
    }
    try {
      InputStream raw = from(channel, at[0]);
      SectionInput section =
          version == LENGTH_PREFIXED
              ? new BoundedInput(raw, at[1])
              : new ChunkedInputStream(new DataInputStream(raw));
      target.loadState(new DataInputStream(section));
      long left = section.skipToEnd();
      if (left != 0) {
        throw new CbnsException(
            "checkpoint "
                + file
                + " section '"
                + name
                + "' holds "
                + left
                + " bytes more than "
                + target.getClass().getSimpleName()
                + " reads (was the configuration changed?)");
      }
    } catch (EOFException e) {
      throw new CbnsException(
          "checkpoint "
              + file
              + " section '"
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

  /**
   * A section's bytes: end of stream at the section's end. The two formats differ only in how the
   * next run of bytes is found ({@link #more}); reading and skipping are shared.
   */
  private abstract static class SectionInput extends InputStream {
    final InputStream in;
    // bytes left in the current run
    long left;

    SectionInput(InputStream in, long left) {
      this.in = in;
      this.left = left;
    }

    /** Makes {@code left} positive unless the section has ended; false at its end. */
    abstract boolean more() throws IOException;

    @Override
    public int read() throws IOException {
      if (!more()) {
        return -1;
      }
      int b = in.read();
      if (b < 0) {
        throw new EOFException();
      }
      left--;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!more()) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
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

  /** A version-2 section: {@code length} bytes. */
  private static final class BoundedInput extends SectionInput {
    BoundedInput(InputStream in, long length) {
      super(in, length);
    }

    @Override
    boolean more() {
      return left > 0;
    }
  }

  /** Reads a section written by {@link ChunkedOutputStream}: end of stream at its zero length. */
  private static final class ChunkedInputStream extends SectionInput {
    private final DataInputStream data;
    private boolean ended;

    ChunkedInputStream(DataInputStream in) {
      super(in, 0);
      this.data = in;
    }

    /** Moves to the next chunk when this one is read; false at the section's end. */
    @Override
    boolean more() throws IOException {
      while (left == 0 && !ended) {
        int n = data.readInt();
        if (n < 0 || n > CHUNK) {
          throw new IOException("damaged section (chunk of " + n + " bytes)");
        }
        left = n;
        ended = n == 0;
      }
      return !ended;
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
