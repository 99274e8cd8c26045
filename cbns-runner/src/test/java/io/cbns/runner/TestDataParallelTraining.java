package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code devices: [cpu, cpu]} through the CLI, in a child JVM whose garbage collector runs every
 * few hundred kilobytes: the data-parallel run trains the model one device trains (same epoch
 * losses and test metrics to float rounding), with the cross-batch {@code ids} bank re-encoded with
 * gradient. The collector setting is what makes an array that autograd keeps over a freed Java
 * buffer show (docs/architecture.md): such a run's losses drift from the one-device run within an
 * epoch.
 */
final class TestDataParallelTraining {
  @TempDir Path tmp;

  private List<String> config(String name, String devicesKey, String devicesValue) {
    return ChildTrain.smallCrossBatchRun(
        tmp, name, devicesKey + "=" + devicesValue, "training.evaluate-every=0");
  }

  private Path train(List<String> cliArgs, String name) throws Exception {
    ChildTrain.runToEnd(
        List.of("-Xmx512m", "-Xmn2m", "-XX:+UseSerialGC"), cliArgs, tmp.resolve(name + ".log"));
    return tmp.resolve(name);
  }

  @Test
  void twoReplicasTrainTheModelOneDeviceTrains() throws Exception {
    Path one = train(config("one", "device", "cpu"), "one");
    Path two = train(config("two", "devices", "[cpu,cpu]"), "two");
    ObjectMapper json = new ObjectMapper();
    List<String> a = Files.readAllLines(one.resolve("epochs.jsonl"));
    List<String> b = Files.readAllLines(two.resolve("epochs.jsonl"));
    assertThat(b).hasSameSizeAs(a).hasSize(3);
    for (int e = 0; e < a.size(); e++) {
      double lossOne = json.readTree(a.get(e)).get("loss").asDouble();
      double lossTwo = json.readTree(b.get(e)).get("loss").asDouble();
      assertThat(lossTwo).as("epoch %d loss", e + 1).isCloseTo(lossOne, within(1e-3));
    }
    JsonNode metricsOne = lastLine(json, one.resolve("metrics.jsonl")).get("model");
    JsonNode metricsTwo = lastLine(json, two.resolve("metrics.jsonl")).get("model");
    assertThat(metricsTwo.get("recall@20").asDouble())
        .isCloseTo(metricsOne.get("recall@20").asDouble(), within(2e-3));
    JsonNode run = json.readTree(two.resolve("run.json").toFile());
    assertThat(run.get("devices").toString()).isEqualTo("[\"cpu()\",\"cpu()\"]");
    assertThat(Files.readString(tmp.resolve("two.log")))
        .contains("(devices [cpu(), cpu()] (data parallel))");
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }

  private static JsonNode lastLine(ObjectMapper json, Path file) throws Exception {
    List<String> lines = Files.readAllLines(file);
    return json.readTree(lines.get(lines.size() - 1));
  }
}
