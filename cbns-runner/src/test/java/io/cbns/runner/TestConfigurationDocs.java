package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.cbns.core.config.Options;
import io.cbns.runner.config.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

final class TestConfigurationDocs {
  private static final Pattern ROW = Pattern.compile("^\\| `([a-z0-9.-]+)` \\| ([^|]*) \\|");

  @Test
  void everyGenericKeyIsDocumentedWithItsDefaultAndNothingElse() throws IOException {
    Path doc = Path.of("..", "docs", "configuration.md");
    Map<String, String> documented = new LinkedHashMap<>();
    for (String line : Files.readAllLines(doc)) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        documented.put(m.group(1), m.group(2).trim());
      }
    }
    Map<String, String> inCode = new LinkedHashMap<>();
    for (Options.OptionSpec s :
        RunConfig.parse(new LinkedHashMap<>(), List.of("drift")).genericSpecs()) {
      inCode.put(s.keyPath(), s.defaultValue());
    }
    assertThat(documented.keySet()).containsExactlyInAnyOrderElementsOf(inCode.keySet());
    inCode.forEach(
        (key, def) -> {
          if (def != null) {
            assertThat(documented.get(key)).as(key).isEqualTo("`" + def + "`");
          }
        });
  }
}
