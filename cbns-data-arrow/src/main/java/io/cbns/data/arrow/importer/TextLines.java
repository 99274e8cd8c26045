package io.cbns.data.arrow.importer;

import io.cbns.core.CbnsException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads a text file line by line, strictly: the bytes must be UTF-8, a line must not hold control
 * characters other than tab, and each failure names {@code file:line} and the byte in the line.
 * Lines end at {@code \n}, {@code \r\n} or {@code \r} (as {@link java.io.BufferedReader}); a UTF-8
 * byte-order mark at the start of the file is skipped.
 *
 * <p>Why not a {@code BufferedReader} over a strict decoder: it decodes ahead in blocks of
 * thousands of bytes, so a bad byte on line 4,000 is reported while line 1 is being read. Here each
 * line is decoded on its own, and the common all-ASCII line is copied without a decoder. Control
 * characters are rejected because {@link String#trim()} would silently strip them from the edges of
 * a field (a NUL-padded id would become another id), and they only occur in damaged or binary
 * files.
 *
 * <p>Not thread-safe; close it.
 */
final class TextLines implements Closeable {
  /** A longer line is not text with one record per line (and would exhaust memory). */
  static final int MAX_LINE_BYTES = 1 << 24;

  private final Path file;
  private final InputStream in;
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private byte[] buf = new byte[1 << 16];
  private int pos;
  private int limit;
  private boolean eof;
  private boolean started;
  private boolean skipLf; // the last line ended with \r: a \n right after belongs to it
  private long lineNo;

  private TextLines(Path file, InputStream in) {
    this.file = file;
    this.in = in;
  }

  /**
   * Opens {@code file}.
   *
   * @throws CbnsException when it does not exist or cannot be read
   */
  static TextLines open(Path file) {
    try {
      return new TextLines(file, Files.newInputStream(file));
    } catch (NoSuchFileException e) {
      throw new CbnsException(file + ": not found", e);
    } catch (IOException e) {
      throw new CbnsException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  /** The number of the line last returned by {@link #next()}, from 1. */
  long lineNumber() {
    return lineNo;
  }

  /**
   * The next line without its terminator, or {@code null} at the end of the file.
   *
   * @throws CbnsException ({@code file:line: ...}) for bytes that are not UTF-8, a control
   *     character, a line over {@link #MAX_LINE_BYTES}, or a read error
   */
  String next() {
    if (!started) {
      started = true;
      if (fill(3) >= 3
          && (buf[pos] & 0xff) == 0xef
          && (buf[pos + 1] & 0xff) == 0xbb
          && (buf[pos + 2] & 0xff) == 0xbf) {
        pos += 3;
      }
    }
    if (skipLf) {
      skipLf = false;
      if (fill(1) >= 1 && buf[pos] == '\n') {
        pos++;
      }
    }
    int scan = pos; // [pos, scan) holds no terminator
    int control = -1; // offset from pos of the first control character
    boolean ascii = true;
    while (true) {
      while (scan < limit) {
        byte b = buf[scan];
        if (b >= 0x20 && b != 0x7f) {
          scan++;
          continue;
        }
        if (b == '\n' || b == '\r') {
          String line = line(scan - pos, control, ascii);
          pos = scan + 1;
          if (b == '\r') {
            if (pos < limit) {
              if (buf[pos] == '\n') {
                pos++;
              }
            } else {
              skipLf = true;
            }
          }
          return line;
        }
        if (b < 0) {
          ascii = false;
        } else if (b != '\t' && control < 0) {
          control = scan - pos;
        }
        scan++;
      }
      if (eof) {
        if (scan == pos) {
          return null;
        }
        String line = line(scan - pos, control, ascii);
        pos = scan;
        return line;
      }
      int offset = scan - pos;
      if (offset >= MAX_LINE_BYTES) {
        throw new CbnsException(
            file
                + ":"
                + (lineNo + 1)
                + ": a line longer than "
                + MAX_LINE_BYTES
                + " bytes; is this a text file with one record per line?");
      }
      fill(offset + 1);
      scan = pos + offset;
    }
  }

  /**
   * Makes at least {@code n} bytes available from {@code pos} unless the file ends first; returns
   * how many are.
   */
  private int fill(int n) {
    while (limit - pos < n && !eof) {
      if (pos > 0) {
        System.arraycopy(buf, pos, buf, 0, limit - pos);
        limit -= pos;
        pos = 0;
      }
      if (limit == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      try {
        int r = in.read(buf, limit, buf.length - limit);
        if (r < 0) {
          eof = true;
        } else {
          limit += r;
        }
      } catch (IOException e) {
        throw new CbnsException(
            file + ":" + (lineNo + 1) + ": cannot read (" + e.getMessage() + ")", e);
      }
    }
    return limit - pos;
  }

  /** The line in {@code buf[pos, pos + length)}, checked. */
  private String line(int length, int control, boolean ascii) {
    lineNo++;
    if (ascii) {
      if (control >= 0) {
        throw controlCharacter(buf[pos + control], control);
      }
      // every byte < 0x80: Latin-1 is the same text, and the JDK copies it without decoding
      return new String(buf, pos, length, StandardCharsets.ISO_8859_1);
    }
    ByteBuffer bytes = ByteBuffer.wrap(buf, pos, length);
    CharBuffer chars = CharBuffer.allocate(length);
    decoder.reset();
    CoderResult r = decoder.decode(bytes, chars, true);
    if (!r.isError()) {
      r = decoder.flush(chars);
    }
    if (r.isError()) {
      int at = bytes.position() - pos;
      throw new CbnsException(
          String.format(
              Locale.ROOT,
              "%s:%d: byte 0x%02x at byte %d of the line is not UTF-8; save the file as UTF-8",
              file,
              lineNo,
              buf[pos + at] & 0xff,
              at + 1));
    }
    if (control >= 0) {
      throw controlCharacter(buf[pos + control], control);
    }
    chars.flip();
    return chars.toString();
  }

  private CbnsException controlCharacter(byte b, int offset) {
    return new CbnsException(
        String.format(
            Locale.ROOT,
            "%s:%d: control character U+%04X at byte %d of the line; the file is damaged or"
                + " not text",
            file,
            lineNo,
            b & 0xff,
            offset + 1));
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      throw new CbnsException(file + ": cannot close (" + e.getMessage() + ")", e);
    }
  }
}
