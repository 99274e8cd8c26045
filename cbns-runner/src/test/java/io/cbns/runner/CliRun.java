package io.cbns.runner;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/** One CLI invocation in-process, with its exit code and outputs. */
record CliRun(int exitCode, String out, String err) {
  static CliRun of(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc =
        Main.run(
            args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    return new CliRun(rc, out.toString(), err.toString());
  }
}
