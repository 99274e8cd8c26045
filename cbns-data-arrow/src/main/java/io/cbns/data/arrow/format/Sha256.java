package io.cbns.data.arrow.format;

import io.cbns.core.CbnsException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of files and strings, as lower-case hex. */
public final class Sha256 {
  private Sha256() {}

  /** The SHA-256 of a file's bytes. */
  public static String ofFile(Path file) {
    MessageDigest md = newDigest();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    } catch (IOException e) {
      throw new CbnsException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
    return hex(md.digest());
  }

  /** The SHA-256 of a string's UTF-8 bytes. */
  public static String ofString(String s) {
    return hex(newDigest().digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }
}
