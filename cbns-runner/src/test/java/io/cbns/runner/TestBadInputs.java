package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import io.cbns.models.onnx.OnnxMetadata;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input tried systematically through the CLI, in-process: configuration faults ({@code train}
 * with unknown keys, wrong types, out-of-range values, unknown plugin names, missing or malformed
 * files, missing or bad data) and damaged or mismatched ONNX towers ({@code recommend}). Each must
 * end with a non-zero exit code and one {@code error:} line naming the key path or the file, no
 * stack trace (neither on the command's error stream nor on {@code System.err}, where logging
 * goes), and, for {@code train}, no run directory.
 *
 * <p>{@code embed} is not exercised with ONNX files: it encodes with the trained DJL towers ({@code
 * model.params}), never with the exported ones.
 */
final class TestBadInputs {
  private static final int USERS = 40;
  private static final int ITEMS = 30;
  private static final int DIM = 8;

  @TempDir static Path shared;
  private static Path base;
  private static Path fewerItems;
  private static Path wider;
  private static Path otherData;

  @TempDir Path tmp;

  // ---------------------------------------------------------------- configuration

  /**
   * The faults: a name (shown in the report), {@code --set} overrides, the expected exit code, and
   * the fragments the error must contain ({@code %d} is the case's data directory).
   */
  static Stream<Arguments> configFaults() {
    return Stream.of(
        fault("unknown top-level key", 2, List.of("trainig.epochs=3"), "trainig: unknown key"),
        fault("unknown top-level scalar key", 2, List.of("sed=7"), "sed: unknown key"),
        fault(
            "unknown nested key",
            2,
            List.of("optimizer.learning-rat=0.1"),
            "optimizer.learning-rat: unknown key",
            "learning-rate"),
        fault("unknown data option", 2, List.of("data.userz=5"), "data.userz: unknown key"),
        fault(
            "unknown model option",
            2,
            List.of("model.hidden-layerz=[8]"),
            "model.hidden-layerz: unknown key"),
        fault(
            "unknown sampler option",
            2,
            List.of("sampler.name=cross-batch", "sampler.bank-sise=2"),
            "sampler.bank-sise: unknown key"),
        fault(
            "unknown frequency option",
            2,
            List.of("frequency.decay=0.5"),
            "frequency.decay: unknown key"),
        fault(
            "unknown drift option (drift off)",
            2,
            List.of("drift.probe-sise=5"),
            "drift.probe-sise: unknown key"),
        fault(
            "string for an integer",
            2,
            List.of("training.epochs=ten"),
            "training.epochs: expected an integer, got 'ten'"),
        fault(
            "list for an integer",
            2,
            List.of("training.batch-size=[64, 128]"),
            "training.batch-size: expected an integer"),
        fault(
            "list for a number",
            2,
            List.of("loss.temperature=[0.1]"),
            "loss.temperature: expected a number"),
        fault(
            "fraction for an integer",
            2,
            List.of("model.dim=1.5"),
            "model.dim: expected an integer"),
        fault(
            "word for a boolean",
            2,
            List.of("model.normalize=maybe"),
            "model.normalize: expected true or false"),
        fault("map for a name", 2, List.of("sampler.name={a: 1}"), "sampler.name:"),
        fault(
            "words in an integer list",
            2,
            List.of("evaluation.k=[ten]"),
            "evaluation.k",
            "expected an integer, got 'ten'"),
        fault("value for a section", 2, List.of("loss=3"), "loss:"),
        fault(
            "batch-size 0",
            2,
            List.of("training.batch-size=0"),
            "training.batch-size: must be in [1,",
            "got 0"),
        fault(
            "negative learning rate",
            2,
            List.of("optimizer.learning-rate=-0.01"),
            "optimizer.learning-rate: must be in"),
        fault("temperature 0", 2, List.of("loss.temperature=0"), "loss.temperature: must be in"),
        fault(
            "temperature .nan",
            2,
            List.of("loss.temperature=.nan"),
            "loss.temperature: expected a number, got '.nan'"),
        fault(
            "learning rate NaN (text)",
            2,
            List.of("optimizer.learning-rate=NaN"),
            "optimizer.learning-rate:",
            "NaN"),
        fault(
            "infinite clip",
            2,
            List.of("optimizer.clip-gradient=Infinity"),
            "optimizer.clip-gradient: must be in"),
        fault("epochs 0", 2, List.of("training.epochs=0"), "training.epochs: must be in"),
        fault("dimension 0", 2, List.of("model.dim=0"), "model.dim: must be in"),
        fault("negative seed", 2, List.of("seed=-1"), "seed: must be in"),
        fault("k 0", 2, List.of("evaluation.k=[20, 0]"), "evaluation.k", "must be in [1,"),
        fault("no users", 2, List.of("data.users=0"), "data.users: must be in"),
        fault(
            "negative bank size",
            2,
            List.of("sampler.name=cross-batch", "sampler.bank-size=-1"),
            "sampler.bank-size: must be in"),
        fault(
            "unknown data source",
            2,
            List.of("data.source=nope"),
            "data.source: unknown name 'nope'; available:",
            "synthetic"),
        fault(
            "unknown tower",
            2,
            List.of("model.tower=nope"),
            "model.tower: unknown name 'nope'; available:",
            "mf"),
        fault(
            "unknown sampler",
            2,
            List.of("sampler.name=nope"),
            "sampler.name: unknown name 'nope'; available:",
            "cross-batch"),
        fault(
            "unknown frequency estimator",
            2,
            List.of("frequency.name=nope"),
            "frequency.name: unknown name 'nope'; available:",
            "counts"),
        fault(
            "unknown optimizer",
            2,
            List.of("optimizer.name=nope"),
            "optimizer.name: unknown value 'nope'",
            "lazy-adam"),
        fault(
            "unknown schedule",
            2,
            List.of("optimizer.schedule=nope"),
            "optimizer.schedule: unknown value 'nope'",
            "cosine"),
        fault("missing data path", 2, List.of("data.source=delimited"), "data.path", "is required"),
        fault(
            "data file not found",
            2,
            List.of("data.source=delimited", "data.path=%d/nope.csv"),
            "data.path: no such file:",
            "nope.csv"),
        fault(
            "data directory not found",
            2,
            List.of("data.source=lightgcn", "data.path=%d/nope"),
            "data.path: no such directory:",
            "nope"),
        fault(
            "bad line in the data",
            1,
            List.of("data.source=delimited", "data.path=%d/bad.csv"),
            "bad.csv:3: expected at least 2 fields"),
        fault(
            "override without a value",
            2,
            List.of("training.epochs"),
            "--set training.epochs: expected key.path=value"),
        fault(
            "override inside a value",
            2,
            List.of("training.epochs=3", "training.epochs.x=1"),
            "training.epochs:",
            "holds a value, not a section"));
  }

  private static Arguments fault(String name, int exitCode, List<String> sets, String... expected) {
    return Arguments.of(name, exitCode, sets, List.of(expected));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configFaults")
  void configFault(String name, int exitCode, List<String> sets, List<String> expected)
      throws IOException {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Files.writeString(data.resolve("bad.csv"), "1,2\n2,3\n3\n");
    Path runs = tmp.resolve("runs");
    List<String> args = new ArrayList<>(List.of("train", "--set", "run.dir=" + runs));
    for (String s : sets) {
      args.add("--set");
      args.add(s.replace("%d", data.toString()));
    }
    Cli r = cli(args);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(exitCode);
    for (String e : expected) {
      assertThat(r.err()).as(r.toString()).contains(e.replace("%d", data.toString()));
    }
    assertCleanFailure(r);
    assertNoRunDirectory(runs);
  }

  @Test
  void missingConfigFileIsNamed() throws IOException {
    Path missing = tmp.resolve("nope.yaml");
    Cli r = train(missing);
    assertThat(r.exitCode()).as(r.toString()).isNotZero();
    assertThat(r.err()).contains("config file not found: " + missing);
    assertCleanFailure(r);
    assertNoRunDirectory(tmp.resolve("runs"));
  }

  @Test
  void malformedYamlNamesTheFileAndLine() throws IOException {
    Path f = tmp.resolve("bad.yaml");
    Files.writeString(
        f, "run:\n  dir: " + tmp.resolve("runs") + "\ntraining:\n  epochs: [3\n  batch-size: 4\n");
    Cli r = train(f);
    assertThat(r.exitCode()).as(r.toString()).isNotZero();
    assertThat(r.err()).contains(f + ":").contains("not valid YAML");
    assertCleanFailure(r);
    assertNoRunDirectory(tmp.resolve("runs"));
  }

  @Test
  void aConfigThatIsNotAMappingIsNamed() throws IOException {
    Path f = tmp.resolve("list.yaml");
    Files.writeString(f, "- training\n- epochs\n");
    Cli r = train(f);
    assertThat(r.exitCode()).as(r.toString()).isNotZero();
    assertThat(r.err()).contains(f + ": the top level must be a mapping");
    assertCleanFailure(r);
  }

  @Test
  void aConfigSectionOfTheWrongTypeIsNamed() throws IOException {
    Path f = tmp.resolve("section.yaml");
    Files.writeString(f, "run:\n  dir: " + tmp.resolve("runs") + "\ntraining: 5\n");
    Cli r = train(f);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("training:");
    assertCleanFailure(r);
    assertNoRunDirectory(tmp.resolve("runs"));
  }

  private Cli train(Path config) {
    return cli(List.of("train", "--config", config.toString()));
  }

  private static void assertNoRunDirectory(Path runs) throws IOException {
    if (!Files.isDirectory(runs)) {
      return;
    }
    try (Stream<Path> s = Files.list(runs)) {
      // only the dataset cache may exist: no run directory was created
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".cache")))
          .as("run directories left in %s", runs)
          .isEmpty();
    }
  }

  // ---------------------------------------------------------------- exported models

  @BeforeAll
  static void trainTinyRuns() {
    List<String> data =
        List.of("data.users=" + USERS, "data.items=" + ITEMS, "data.interactions-per-user=8");
    base = trainRun("base", DIM, data);
    fewerItems =
        trainRun(
            "fewer-items",
            DIM,
            List.of("data.users=" + USERS, "data.items=25", "data.interactions-per-user=8"));
    wider = trainRun("wider", 2 * DIM, data);
    otherData = trainRun("other-data", DIM, concat(data, List.of("data.seed=7")));
  }

  @Test
  void truncatedOnnxFileIsRejected() throws IOException {
    Path dir = export(base, "truncated");
    Path item = dir.resolve("item_tower.onnx");
    byte[] bytes = Files.readAllBytes(item);
    // one byte short: the last field is always left incomplete. A cut at half the length could
    // fall between two metadata entries (whose length varies with the run's paths), which leaves
    // a valid, smaller model
    Files.write(item, Arrays.copyOf(bytes, bytes.length - 1));
    assertRecommendFails(dir, item + ": not a valid ONNX model (Protobuf parsing failed.)");
  }

  @Test
  void emptyOnnxFileIsRejected() throws IOException {
    Path dir = export(base, "empty");
    Path user = dir.resolve("user_tower.onnx");
    Files.write(user, new byte[0]);
    assertRecommendFails(dir, user + ": an empty file, not an ONNX model");
  }

  @Test
  void randomBytesNamedOnnxAreRejected() throws IOException {
    Path dir = export(base, "random");
    byte[] noise = new byte[4096];
    new SplittableRandom(11).nextBytes(noise);
    Path user = dir.resolve("user_tower.onnx");
    Files.write(user, noise);
    assertRecommendFails(dir, user + ": not a valid ONNX model");
    // and text that happens to be named .onnx
    Files.writeString(user, "user item\n0 1 2\n");
    assertRecommendFails(dir, user + ": not a valid ONNX model");
  }

  @Test
  void towersOfAnotherDimensionAreRejected() {
    Path dir = export(wider, "wider");
    assertRecommendFails(
        dir,
        "the ONNX towers have dimension " + 2 * DIM,
        "the trained model has " + DIM,
        dir.resolve("user_tower.onnx").toString());
  }

  @Test
  void towersOfAnotherItemCountAreRejected() {
    Path dir = export(fewerItems, "fewer-items");
    assertRecommendFails(dir, "exported for 25 items, the dataset has " + ITEMS);
  }

  @Test
  void towersOfAnotherDatasetAreRejected() {
    Path dir = export(otherData, "other-data");
    assertRecommendFails(dir, "exported from a model trained on dataset", "not on this run's");
  }

  @Test
  void swappedTowersAreRejected() throws IOException {
    Path dir = export(base, "swapped");
    Files.copy(
        dir.resolve("item_tower.onnx"),
        dir.resolve("user_tower.onnx"),
        StandardCopyOption.REPLACE_EXISTING);
    assertRecommendFails(
        dir,
        dir.resolve("user_tower.onnx")
            + ": expected the user tower but its metadata says "
            + OnnxMetadata.PART
            + "=item");
  }

  @Test
  void anOnnxModelWithoutCbnsMetadataIsRejected() throws IOException {
    Path dir = export(base, "foreign");
    Path item = dir.resolve("item_tower.onnx");
    editMetadata(item, m -> Map.of());
    assertRecommendFails(dir, item + ": expected the item tower", "not exported by cbns");
  }

  @Test
  void metadataThatContradictsTheGraphIsRejected() throws IOException {
    // the wider towers relabelled as d = 8: the outputs give them away
    Path dir = export(wider, "relabelled");
    for (String f : List.of("user_tower.onnx", "item_tower.onnx")) {
      editMetadata(
          dir.resolve(f),
          m -> {
            m.put(OnnxMetadata.DIMENSION, String.valueOf(DIM));
            return m;
          });
    }
    assertRecommendFails(
        dir,
        dir.resolve("item_tower.onnx") + ": the model returned shape [" + ITEMS + ", " + 2 * DIM);
  }

  @Test
  void towersWithFewerItemsAndNoSizesInTheMetadataFailInOnnxRuntime() throws IOException {
    // sizes and fingerprint removed: the item ids beyond the smaller table fail in the graph
    Path dir = export(fewerItems, "fewer-items-anonymous");
    for (String f : List.of("user_tower.onnx", "item_tower.onnx")) {
      editMetadata(
          dir.resolve(f),
          m -> {
            m.remove(OnnxMetadata.PREFIX + "num_items");
            m.remove(OnnxMetadata.PREFIX + "num_users");
            m.remove(OnnxMetadata.DATASET_FINGERPRINT);
            return m;
          });
    }
    assertRecommendFails(dir, dir.resolve("item_tower.onnx").toString());
  }

  @Test
  void aDirectoryInPlaceOfAnOnnxFileIsRejected() throws IOException {
    Path dir = export(base, "directory");
    Path user = dir.resolve("user_tower.onnx");
    Files.delete(user);
    Files.createDirectory(user);
    assertRecommendFails(dir, user.toString());
  }

  @Test
  void truncatedModelParametersAreRejectedByExportAndEmbed() throws IOException {
    Path run = Files.createDirectories(shared.resolve("runs").resolve("truncated-params"));
    for (String f : List.of("config.yaml", "run.json", "model.params")) {
      Files.copy(base.resolve(f), run.resolve(f));
    }
    Path params = run.resolve("model.params");
    byte[] bytes = Files.readAllBytes(params);
    Files.write(params, Arrays.copyOf(bytes, bytes.length / 2));
    for (List<String> args :
        List.of(
            List.of("export-onnx", run.toString(), "--out", tmp.resolve("x").toString()),
            List.of("embed", run.toString(), "--out", tmp.resolve("e.arrow").toString()))) {
      Cli r = cli(args);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.err()).as(r.toString()).contains(params.toString());
      assertCleanFailure(r);
    }
    assertThat(tmp.resolve("x")).doesNotExist();
    assertThat(tmp.resolve("e.arrow")).doesNotExist();
  }

  private void assertRecommendFails(Path onnxDir, String... expected) {
    Cli r = cli(List.of("recommend", base.toString(), "--onnx", onnxDir.toString(), "-u", "1"));
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).as(r.toString()).isEmpty();
    for (String e : expected) {
      assertThat(r.err()).as(r.toString()).contains(e);
    }
    assertCleanFailure(r);
  }

  /** Rewrites the {@code metadata_props} of an ONNX file. */
  private static void editMetadata(Path file, UnaryOperator<Map<String, String>> edit)
      throws IOException {
    OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
    Map<String, String> meta = new java.util.LinkedHashMap<>();
    model.getMetadataPropsList().forEach(e -> meta.put(e.getKey(), e.getValue()));
    OnnxMl.ModelProto.Builder b = model.toBuilder().clearMetadataProps();
    edit.apply(meta)
        .forEach(
            (k, v) ->
                b.addMetadataProps(
                    OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    Files.write(file, b.build().toByteArray());
  }

  /** A fresh export of {@code run} in {@code shared/onnx/name}. */
  private static Path export(Path run, String name) {
    Path dir = shared.resolve("onnx").resolve(name);
    Cli r = cli(List.of("export-onnx", run.toString(), "--out", dir.toString()));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return dir;
  }

  /** Trains one epoch into {@code shared/runs/name}. */
  private static Path trainRun(String name, int dim, List<String> sets) {
    List<String> args = new ArrayList<>(List.of("train"));
    for (String s :
        concat(
            List.of(
                "run.dir=" + shared.resolve("runs"),
                "run.name=" + name,
                "training.epochs=1",
                "model.dim=" + dim),
            sets)) {
      args.add("--set");
      args.add(s);
    }
    Cli r = cli(args);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return shared.resolve("runs").resolve(name);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  // ---------------------------------------------------------------- running the CLI

  /** One CLI run, with what it wrote to its streams and to {@code System.err} (logging). */
  private record Cli(int exitCode, String out, String err, String systemErr) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\nerr: " + err + "\nSystem.err: " + systemErr;
    }
  }

  private static Cli cli(List<String> args) {
    PrintStream saved = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    CliRun r;
    try (PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
      System.setErr(new TeeStream(saved, capture));
      r = CliRun.of(args);
    } finally {
      System.setErr(saved);
    }
    return new Cli(r.exitCode(), r.out(), r.err(), captured.toString(StandardCharsets.UTF_8));
  }

  /** Writes to both streams, so that the build log still shows what the command logged. */
  private static final class TeeStream extends PrintStream {
    private final PrintStream copy;

    TeeStream(PrintStream main, PrintStream copy) {
      super(main, true, StandardCharsets.UTF_8);
      this.copy = copy;
    }

    @Override
    public void write(int b) {
      super.write(b);
      copy.write(b);
    }

    @Override
    public void write(byte[] buf, int off, int len) {
      super.write(buf, off, len);
      copy.write(buf, off, len);
    }
  }

  /** An {@code error:} message for the user, and no stack trace anywhere. */
  private static void assertCleanFailure(Cli r) {
    assertThat(r.err()).as(r.toString()).startsWith("error: ");
    for (String stream : List.of(r.err(), r.systemErr())) {
      assertThat(stream)
          .as(r.toString())
          .doesNotContain("\tat ")
          .doesNotContain("Exception in thread")
          .doesNotContain("Caused by:");
    }
  }
}
