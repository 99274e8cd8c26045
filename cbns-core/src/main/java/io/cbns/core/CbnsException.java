package io.cbns.core;

/**
 * The one exception type users see from cbns: its message says what was wrong, where (file:line,
 * config key path, step) and, where possible, how to fix it. The CLI prints the message without a
 * stack trace.
 */
public class CbnsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CbnsException(String message) {
    super(message);
  }

  public CbnsException(String message, Throwable cause) {
    super(message, cause);
  }
}
