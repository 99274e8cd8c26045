package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.cbns.runner.commands.CbnsCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Every command of the CLI, found from picocli's model (not a hand-written list), prints its usage
 * with {@code --help}, and {@code docs/commands.md} documents it: a section per command naming each
 * of its options and parameters, and no option the command does not have.
 */
final class TestCommandHelp {
  private static final Path DOC = Path.of("..", "docs", "commands.md");
  private static final Pattern SECTION = Pattern.compile("^## `cbns ([a-z-]+)[^`]*`");
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  /** Every subcommand at any depth, by its qualified name ("train", "a b" for nested ones). */
  private static Map<String, CommandLine> commands() {
    Injector injector =
        Guice.createInjector(new CbnsModule(TestCommandHelp.class.getClassLoader()));
    CommandLine root =
        new CommandLine(
            CbnsCommand.class,
            new CommandLine.IFactory() {
              @Override
              public <K> K create(Class<K> cls) throws Exception {
                try {
                  return injector.getInstance(cls);
                } catch (com.google.inject.ConfigurationException e) {
                  return CommandLine.defaultFactory().create(cls);
                }
              }
            });
    Map<String, CommandLine> out = new LinkedHashMap<>();
    collect(root, "", out, new IdentityHashMap<>());
    return out;
  }

  private static void collect(
      CommandLine cmd, String prefix, Map<String, CommandLine> out, Map<Object, Object> seen) {
    for (CommandLine sub : cmd.getSubcommands().values()) {
      if (seen.put(sub, sub) == null) { // aliases map to the same object
        String name = (prefix + " " + sub.getCommandName()).trim();
        out.put(name, sub);
        collect(sub, name, out, seen);
      }
    }
  }

  @Test
  void theCommandListIsNotEmpty() {
    // a broken enumeration would make the other tests pass vacuously
    assertThat(commands().keySet()).contains("train", "import", "embed", "recommend");
  }

  @Test
  void everyCommandPrintsItsUsageWithHelp() {
    CliRun top = CliRun.of(List.of("--help"));
    assertThat(top.exitCode()).isZero();
    assertThat(top.out()).startsWith("Usage: cbns");
    for (Map.Entry<String, CommandLine> e : commands().entrySet()) {
      List<String> args = new ArrayList<>(Arrays.asList(e.getKey().split(" ")));
      args.add("--help");
      CliRun run = CliRun.of(args);
      assertThat(run.exitCode()).as("exit code of cbns %s --help", e.getKey()).isZero();
      assertThat(run.out()).as("usage of %s", e.getKey()).startsWith("Usage: cbns " + e.getKey());
      assertThat(top.out()).as("top-level usage lists %s", e.getKey()).contains(e.getKey());
      for (OptionSpec o : e.getValue().getCommandSpec().options()) {
        if (!o.hidden()) {
          assertThat(run.out()).as("usage of %s", e.getKey()).contains(o.longestName());
        }
      }
    }
  }

  @Test
  void everyOptionOfEveryCommandIsDocumentedAndNothingElse() throws IOException {
    Map<String, String> sections = sections(Files.readAllLines(DOC));
    String whole = Files.readString(DOC);
    assertThat(whole).as("the standard options").contains("`-h, --help`", "`-V, --version`");
    Map<String, CommandLine> commands = commands();
    assertThat(sections.keySet())
        .as("sections '## `cbns NAME ...`' in %s", DOC)
        .containsExactlyInAnyOrderElementsOf(commands.keySet());
    for (Map.Entry<String, CommandLine> e : commands.entrySet()) {
      String name = e.getKey();
      CommandSpec spec = e.getValue().getCommandSpec();
      String section = sections.get(name);
      Set<String> tokens = codeTokens(section);
      Set<String> names = new TreeSet<>();
      for (OptionSpec o : spec.options()) {
        names.addAll(Arrays.asList(o.names()));
        if (o.usageHelp() || o.versionHelp() || o.hidden()) {
          continue;
        }
        for (String n : o.names()) {
          assertThat(tokens)
              .as("option %s of cbns %s in its section of %s", n, name, DOC)
              .contains(n);
        }
      }
      for (PositionalParamSpec p : spec.positionalParameters()) {
        String label = p.paramLabel().replace("...", "");
        assertThat(section).as("parameter %s of cbns %s", label, name).contains(label);
      }
      for (String token : documentedOptions(section)) {
        if (token.startsWith("-")) {
          assertThat(names)
              .as("%s is documented under cbns %s but is not an option of it", token, name)
              .contains(token);
        }
      }
    }
  }

  /** The text of each {@code ## `cbns NAME ...`} section, by NAME. */
  private static Map<String, String> sections(List<String> lines) {
    Map<String, String> out = new LinkedHashMap<>();
    String current = null;
    StringBuilder text = new StringBuilder();
    for (String line : lines) {
      if (line.startsWith("## ")) {
        if (current != null) {
          out.put(current, text.toString());
        }
        Matcher m = SECTION.matcher(line);
        current = m.find() ? m.group(1) : null;
        text.setLength(0);
      }
      text.append(line).append('\n');
    }
    if (current != null) {
      out.put(current, text.toString());
    }
    return out;
  }

  /** The words of the first cell of every table row of a section: the options it documents. */
  private static Set<String> documentedOptions(String section) {
    StringBuilder firstCells = new StringBuilder();
    for (String line : section.split("\n")) {
      String[] cells = line.split("(?<!\\\\)\\|");
      if (line.startsWith("|") && cells.length > 1) {
        firstCells.append(cells[1]).append('\n');
      }
    }
    return codeTokens(firstCells.toString());
  }

  /**
   * The words of every {@code `code`} span of a section, split at spaces, commas, '|' and '=', so
   * that {@code `-o, --out DIR`} yields {@code -o} and {@code --out}. Examples of other commands
   * are not in a section's code spans, only its own options and values.
   */
  private static Set<String> codeTokens(String section) {
    Set<String> out = new TreeSet<>();
    Matcher m = CODE.matcher(section);
    while (m.find()) {
      for (String t : m.group(1).replace("\\|", "|").split("[\\s,|=\\[\\]]+")) {
        if (!t.isEmpty()) {
          out.add(t);
        }
      }
    }
    return out;
  }
}
