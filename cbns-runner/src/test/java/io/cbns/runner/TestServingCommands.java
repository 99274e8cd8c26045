package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.eval.FullRankingEvaluator;
import io.cbns.core.eval.RankingMetrics;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.models.onnx.OnnxMetadata;
import io.cbns.runner.serving.TrainedRun;
import io.cbns.serving.EmbeddingFiles;
import io.cbns.serving.Provider;
import io.cbns.serving.Recommender;
import io.cbns.serving.onnx.OnnxTowers;
import java.io.IOException;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code export-onnx}, {@code embed} and {@code recommend} on tiny trained runs. */
final class TestServingCommands {
  private static final int USERS = 200;
  private static final int ITEMS = 100;
  private static final int DIM = 16;
  private static final int YT_DIM = 8;

  @TempDir static Path tmp;
  private static Path mf;
  private static Path youtube;
  private static Path named;
  private static Path smoothed;
  private static PluginRegistry plugins;

  @BeforeAll
  static void trainTinyRuns() throws IOException {
    List<String> synthetic =
        List.of("data.users=" + USERS, "data.items=" + ITEMS, "data.interactions-per-user=10");
    mf = train("mf", DIM, synthetic);
    youtube = train("yt", YT_DIM, concat(synthetic, List.of("model.tower=youtube-dnn")));
    named = train("named", DIM, List.of("data.source=delimited", "data.path=" + namedIdsCsv()));
    smoothed =
        train(
            "smoothed",
            DIM,
            concat(
                synthetic,
                List.of(
                    "data.validation-ratio=0.2",
                    "smoothing.user-weight=-0.2",
                    "smoothing.item-weight=0.5")));
    plugins = PluginRegistry.discover(TestServingCommands.class.getClassLoader());
  }

  /** A CSV with string ids: users {@code u0..u59}, items {@code i0..i29}. */
  private static Path namedIdsCsv() throws IOException {
    StringBuilder csv = new StringBuilder();
    for (int u = 0; u < 60; u++) {
      for (int j = 0; j < 8; j++) {
        csv.append("u").append(u).append(",i").append((u * 7 + j * 3 + j * j) % 30).append('\n');
      }
    }
    Path file = tmp.resolve("named.csv");
    Files.writeString(file, csv);
    return file;
  }

  /** Trains 2 epochs into {@code tmp/runs/name} with the given {@code --set} overrides. */
  private static Path train(String name, int dim, List<String> sets) {
    List<String> all =
        concat(
            List.of(
                "run.dir=" + tmp.resolve("runs"),
                "run.name=" + name,
                "training.epochs=2",
                "model.dim=" + dim),
            sets);
    List<String> args = new ArrayList<>(List.of("train"));
    for (String s : all) {
      args.add("--set");
      args.add(s);
    }
    CliRun r = CliRun.of(args);
    assertThat(r.exitCode()).as(r.err()).isZero();
    return tmp.resolve("runs").resolve(name);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  @Test
  void exportOnnxWritesBothTowersWithProvenance() throws Exception {
    Path out = tmp.resolve("export");
    CliRun r = CliRun.of(List.of("export-onnx", mf.toString(), "--out", out.toString()));
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path user = out.resolve("user_tower.onnx");
    Path item = out.resolve("item_tower.onnx");
    assertThat(r.out()).contains("wrote " + user).contains("wrote " + item);
    String fingerprint =
        new ObjectMapper()
            .readTree(mf.resolve("run.json").toFile())
            .at("/dataset/fingerprint")
            .asText();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    for (Path f : List.of(user, item)) {
      try (OrtSession s = env.createSession(f.toString(), new OrtSession.SessionOptions())) {
        Map<String, String> meta = s.getMetadata().getCustomMetadata();
        assertThat(meta)
            .containsEntry(OnnxMetadata.DIMENSION, String.valueOf(DIM))
            .containsEntry(OnnxMetadata.TOWER, "mf")
            .containsEntry(OnnxMetadata.SEED, "42")
            .containsEntry(OnnxMetadata.DATASET_FINGERPRINT, fingerprint)
            .containsEntry(OnnxMetadata.CONFIG_PREFIX + "model.dim", String.valueOf(DIM))
            .containsEntry(OnnxMetadata.CONFIG_PREFIX + "data.users", String.valueOf(USERS));
      }
    }
  }

  @Test
  void embedWritesTheDjlModelsEmbeddingsAsArrow() {
    Path items = tmp.resolve("embed").resolve("items.arrow");
    CliRun r =
        CliRun.of(
            List.of(
                "embed",
                mf.toString(),
                "--users",
                "--out",
                items.toString(),
                "--chunk-size",
                "37"));
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path users = items.getParent().resolve("user_embeddings.arrow");
    assertThat(r.out()).contains("wrote " + items).contains("wrote " + users);

    EmbeddingFiles.Table itemTable = EmbeddingFiles.read(items);
    EmbeddingFiles.Table userTable = EmbeddingFiles.read(users);
    assertThat(itemTable.idColumn()).isEqualTo("item_id");
    assertThat(itemTable.ids()).containsExactly(IntStream.range(0, ITEMS).toArray());
    assertThat(itemTable.dimension()).isEqualTo(DIM);
    assertThat(itemTable.originalIds()).isNull();
    assertThat(itemTable.metadata()).containsEntry(OnnxMetadata.DIMENSION, String.valueOf(DIM));
    assertThat(userTable.idColumn()).isEqualTo("user_id");
    assertThat(userTable.ids()).hasSize(USERS);
    assertThat(userTable.dimension()).isEqualTo(DIM);
    // no temporary files are left next to the outputs
    assertThat(items.getParent().toFile().list())
        .containsExactlyInAnyOrder("items.arrow", "user_embeddings.arrow");

    try (TrainedRun run = TrainedRun.open(plugins, mf)) {
      long[] allItems = IntStream.range(0, ITEMS).asLongStream().toArray();
      long[] allUsers = IntStream.range(0, USERS).asLongStream().toArray();
      assertThat(itemTable.values()).containsExactly(run.encodeItems(allItems));
      assertThat(userTable.values()).containsExactly(run.encodeUsers(allUsers));
      // model.normalize is on: unit vectors, so these are not zeros or garbage
      assertThat(norm(itemTable.row(7))).isCloseTo(1.0, within(1e-5));
      // and the ONNX item tower agrees with the DJL one
      run.exportOnnx(tmp.resolve("embed-onnx"));
      try (Recommender rec =
          Recommender.builder()
              .setTowers(
                  OnnxTowers.builder()
                      .setUserTower(tmp.resolve("embed-onnx/user_tower.onnx"))
                      .setItemTower(tmp.resolve("embed-onnx/item_tower.onnx"))
                      .setTrainByUser(run.dataset().trainByUser())
                      .optProvider(Provider.CPU)
                      .build())
              .setTrainByUser(run.dataset().trainByUser())
              .build()) {
        assertThat(rec.itemEmbeddings()).containsExactly(itemTable.values(), within(1e-5f));
        assertThat(rec.userEmbeddings(allUsers)).containsExactly(userTable.values(), within(1e-5f));
      }
    }
  }

  @Test
  void reopenedRunIsTheTrainedModel() throws IOException {
    // the final evaluation of the training, repeated on the reopened towers
    double trained =
        new ObjectMapper()
            .readTree(mf.resolve("summary.json").toFile())
            .at("/model/recall@20")
            .asDouble(-1);
    assertThat(trained).isPositive();
    try (TrainedRun run = TrainedRun.open(plugins, mf);
        NDManager manager = NDManager.newBaseManager()) {
      assertThat(run.config().model().dimension()).isEqualTo(DIM);
      assertThat(run.dataset().info().numUsers()).isEqualTo(USERS);
      RankingMetrics metrics =
          new FullRankingEvaluator(List.of(20), 64)
              .evaluate(
                  manager, run.model(), run.dataset().trainByUser(), run.dataset().testByUser());
      assertThat(metrics.recall().get(20)).isCloseTo(trained, within(1e-6));
    }
  }

  @Test
  void smoothingIsWhatTrainingTestsAndWhatIsExported() throws Exception {
    // the trainer's test evaluation of a run with smoothing weights, repeated by cbns smooth from
    // the trained towers with the same weights
    double trained =
        new ObjectMapper()
            .readTree(smoothed.resolve("summary.json").toFile())
            .at("/model/recall@20")
            .asDouble(-1);
    assertThat(trained).isPositive();
    CliRun test =
        CliRun.of(
            List.of(
                "smooth",
                smoothed.toString(),
                "--split",
                "test",
                "--user-weights=-0.2",
                "--item-weights",
                "0.5"));
    assertThat(test.exitCode()).as(test.err()).isZero();
    assertThat(test.out()).contains(String.format(java.util.Locale.ROOT, "| %.4f |", trained));

    // a grid on validation: one row per pair, and the best pair named
    CliRun grid =
        CliRun.of(
            List.of(
                "smooth", smoothed.toString(), "--user-weights=-0.1,0", "--item-weights", "0,0.5"));
    assertThat(grid.exitCode()).as(grid.err()).isZero();
    assertThat(grid.out().lines().filter(l -> l.matches("\\| -?0\\.\\d+ \\| .*"))).hasSize(4);
    assertThat(grid.out()).contains("best on validation: smoothing.user-weight");

    // the exported towers are the smoothed tables, not the trained ones
    Path out = tmp.resolve("export-smoothed");
    CliRun export = CliRun.of(List.of("export-onnx", smoothed.toString(), "--out", out.toString()));
    assertThat(export.exitCode()).as(export.err()).isZero();
    long[] users = IntStream.range(0, USERS).asLongStream().toArray();
    long[] items = IntStream.range(0, ITEMS).asLongStream().toArray();
    try (TrainedRun run = TrainedRun.open(plugins, smoothed)) {
      float[] servedUsers = run.encodeUsers(users);
      float[] servedItems = run.encodeItems(items);
      assertThat(onnx(out.resolve("user_tower.onnx"), "user_id", users))
          .containsExactly(servedUsers, within(1e-6f));
      assertThat(onnx(out.resolve("item_tower.onnx"), "item_id", items))
          .containsExactly(servedItems, within(1e-6f));
      assertThat(run.unitOutputs()).isFalse();
      try (NDManager m = NDManager.newBaseManager()) {
        float[] trainedItems =
            run.trainedTowers()
                .encodeItems(new ai.djl.training.ParameterStore(m, false), m.create(items), false)
                .toFloatArray();
        assertThat(trainedItems).isNotEqualTo(servedItems);
      }
    }
  }

  @Test
  void smoothChoosesOnValidationOnly() {
    CliRun r = CliRun.of(List.of("smooth", mf.toString()));
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("has no validation split").contains("data.validation-ratio");
    // test is for the one pair chosen on validation, never for a grid
    CliRun grid = CliRun.of(List.of("smooth", smoothed.toString(), "--split", "test"));
    assertThat(grid.exitCode()).isEqualTo(1);
    assertThat(grid.err()).contains("one --user-weights and one --item-weights");
  }

  @Test
  void loadedParametersSurviveGarbageCollection() throws InterruptedException {
    // loading must leave the parameters owning their memory: a tensor that still points into a
    // buffer of the loader reads freed memory (zeros, NaN) once the collector has run
    try (TrainedRun run = TrainedRun.open(plugins, mf)) {
      long[] all = IntStream.range(0, ITEMS).asLongStream().toArray();
      float[] before = run.encodeItems(all);
      for (int i = 0; i < 3; i++) {
        System.gc();
        byte[][] churn = new byte[64][];
        for (int j = 0; j < churn.length; j++) {
          churn[j] = new byte[1 << 20];
        }
        Thread.sleep(50);
      }
      float[] after = run.encodeItems(all);
      assertThat(after).containsExactly(before);
      for (int i = 0; i < ITEMS; i++) {
        float[] row = java.util.Arrays.copyOfRange(after, i * DIM, (i + 1) * DIM);
        assertThat(norm(row)).as("item %d", i).isCloseTo(1.0, within(1e-5));
      }
    }
  }

  @Test
  void recommendReturnsTheTopUnseenItemsByDotProduct() throws Exception {
    int user = 3;
    int k = 15;
    CliRun r = CliRun.of(List.of("recommend", mf.toString(), "--user", "" + user, "-k", "" + k));
    assertThat(r.exitCode()).as(r.err()).isZero();
    // exported automatically on first use
    assertThat(mf.resolve("onnx/user_tower.onnx")).isNotEmptyFile();
    assertThat(mf.resolve("onnx/item_tower.onnx")).isNotEmptyFile();
    List<String> lines = r.out().lines().toList();
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).startsWith(user + "\t");
    List<Map.Entry<Integer, Float>> recs = parse(lines.get(0));
    assertThat(recs).hasSize(k);

    int[] seen;
    try (TrainedRun run = TrainedRun.open(plugins, mf)) {
      CsrMatrix train = run.dataset().trainByUser();
      seen = train.row(user);
    }
    assertThat(seen).isNotEmpty();
    List<Integer> items = recs.stream().map(Map.Entry::getKey).toList();
    assertThat(items).doesNotContainAnyElementsOf(IntStream.of(seen).boxed().toList());
    assertThat(items).doesNotHaveDuplicates();
    List<Float> scores = recs.stream().map(Map.Entry::getValue).toList();
    assertThat(scores).isSortedAccordingTo((a, b) -> Float.compare(b, a));

    // scores are the dot products of the exported towers' embeddings, run here on their own
    float[] u = onnx(mf.resolve("onnx/user_tower.onnx"), "user_id", new long[] {user});
    float[] all =
        onnx(
            mf.resolve("onnx/item_tower.onnx"),
            "item_id",
            IntStream.range(0, ITEMS).asLongStream().toArray());
    for (Map.Entry<Integer, Float> e : recs) {
      assertThat(e.getValue()).isCloseTo(dot(u, all, e.getKey()), within(1e-4f));
    }
    // and nothing left out scores higher than the last one kept
    float last = scores.get(k - 1);
    for (int i = 0; i < ITEMS; i++) {
      int item = i;
      if (!items.contains(item) && IntStream.of(seen).noneMatch(s -> s == item)) {
        assertThat(dot(u, all, item))
            .as("item %d in %s", item, lines)
            .isLessThanOrEqualTo(last + 1e-4f);
      }
    }
  }

  @Test
  void batchModePrintsOneLinePerUserLikeSingleRequests() throws IOException {
    Path file = tmp.resolve("users.txt");
    Files.writeString(file, "0\n\n# a comment\n5\n  199  \n5\n");
    CliRun batch =
        CliRun.of(
            List.of(
                "recommend",
                mf.toString(),
                "--users-file",
                file.toString(),
                "--batch-size",
                "2",
                "-k",
                "5"));
    assertThat(batch.exitCode()).as(batch.err()).isZero();
    List<String> lines = batch.out().lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.stream().map(l -> l.substring(0, l.indexOf('\t'))))
        .containsExactly("0", "5", "199", "5");
    CliRun single =
        CliRun.of(List.of("recommend", mf.toString(), "-u", "5", "-u", "199", "-k", "5"));
    assertThat(single.exitCode()).as(single.err()).isZero();
    assertThat(single.out().lines()).containsExactly(lines.get(1), lines.get(2));
    assertThat(parse(lines.get(0))).hasSize(5);
  }

  @Test
  void originalIdsAreAcceptedAndPrinted() {
    CliRun r = CliRun.of(List.of("recommend", named.toString(), "--user", "u17", "-k", "4"));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out().strip()).matches("u17\t(i\\d+:-?\\d+\\.\\d{6},){3}i\\d+:-?\\d+\\.\\d{6}");
    try (TrainedRun run = TrainedRun.open(plugins, named)) {
      List<String> items = run.originalItemIds().orElseThrow();
      int user = run.originalUserIds().orElseThrow().indexOf("u17");
      List<String> seen =
          IntStream.of(run.dataset().trainByUser().row(user)).mapToObj(items::get).toList();
      List<String> recommended = parseIds(r.out().strip());
      assertThat(recommended).hasSize(4).doesNotContainAnyElementsOf(seen);
    }
    CliRun dense = CliRun.of(List.of("recommend", named.toString(), "--user", "17"));
    assertThat(dense.exitCode()).isEqualTo(1);
    assertThat(dense.err()).contains("unknown user id '17'").contains("original ids");

    Path file = tmp.resolve("named-embeddings.arrow");
    CliRun embed = CliRun.of(List.of("embed", named.toString(), "--out", file.toString()));
    assertThat(embed.exitCode()).as(embed.err()).isZero();
    EmbeddingFiles.Table table = EmbeddingFiles.read(file);
    assertThat(table.originalIds()).hasSize(table.ids().length).contains("i0", "i29");
  }

  @Test
  void aMovedSourceFallsBackToTheRecordedDatasetAndItsFingerprintIsChecked() throws IOException {
    // the CSV is gone: the dataset directory recorded in run.json (the import cache) serves
    Path moved = copyRun(named, "named-moved");
    Path config = moved.resolve("config.yaml");
    Files.writeString(
        config,
        Files.readString(config).replace(tmp.resolve("named.csv").toString(), "/gone/named.csv"));
    CliRun r = CliRun.of(List.of("recommend", moved.toString(), "--user", "u3", "-k", "3"));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("u3\t");

    Path changed = copyRun(mf, "mf-changed");
    Path runJson = changed.resolve("run.json");
    String json = Files.readString(runJson);
    String fingerprint = new ObjectMapper().readTree(json).at("/dataset/fingerprint").asText();
    Files.writeString(runJson, json.replace(fingerprint, "0".repeat(64)));
    CliRun stale = CliRun.of(List.of("recommend", changed.toString(), "--user", "1"));
    assertThat(stale.exitCode()).isEqualTo(1);
    assertThat(stale.err())
        .contains("the dataset of " + changed + " changed since training")
        .contains(fingerprint);
  }

  /** A copy of the files of {@code run} (not its subfolders) next to it. */
  private static Path copyRun(Path run, String name) throws IOException {
    Path copy = Files.createDirectories(run.resolveSibling(name));
    try (var files = Files.list(run)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    return copy;
  }

  @Test
  void youtubeDnnExportsAndRecommendsWithHistoriesLikeTheDjlModel() {
    CliRun export = CliRun.of(List.of("export-onnx", youtube.toString()));
    assertThat(export.exitCode()).as(export.err()).isZero();
    assertThat(youtube.resolve("onnx/user_tower.onnx")).isNotEmptyFile();
    int user = 11;
    CliRun r = CliRun.of(List.of("recommend", youtube.toString(), "--user", "" + user, "-k", "8"));
    assertThat(r.exitCode()).as(r.err()).isZero();
    List<Map.Entry<Integer, Float>> recs = parse(r.out().strip());
    assertThat(recs).hasSize(8);
    try (TrainedRun run = TrainedRun.open(plugins, youtube)) {
      int[] seen = run.dataset().trainByUser().row(user);
      assertThat(seen).isNotEmpty();
      float[] u = run.encodeUsers(new long[] {user});
      float[] items = run.encodeItems(IntStream.range(0, ITEMS).asLongStream().toArray());
      for (Map.Entry<Integer, Float> e : recs) {
        assertThat(IntStream.of(seen).boxed().toList()).doesNotContain(e.getKey());
        assertThat(e.getValue()).isCloseTo(dot(u, items, e.getKey()), within(1e-4f));
      }
    }
    assertThat(recs.stream().map(Map.Entry::getValue).toList())
        .isSortedAccordingTo((a, b) -> Float.compare(b, a));
  }

  @Test
  void unknownUsersAreRejected() throws IOException {
    CliRun outOfRange = CliRun.of(List.of("recommend", mf.toString(), "--user", "" + USERS));
    assertThat(outOfRange.exitCode()).isEqualTo(1);
    assertThat(outOfRange.err()).contains("unknown user id " + USERS).contains("0.." + (USERS - 1));
    CliRun notANumber = CliRun.of(List.of("recommend", mf.toString(), "--user", "alice"));
    assertThat(notANumber.exitCode()).isEqualTo(1);
    assertThat(notANumber.err()).contains("unknown user id 'alice'");
    Path file = tmp.resolve("bad-users.txt");
    Files.writeString(file, "1\n-3\n");
    CliRun inFile = CliRun.of(List.of("recommend", mf.toString(), "--users-file", file.toString()));
    assertThat(inFile.exitCode()).isEqualTo(1);
    assertThat(inFile.err()).contains(file + ":2: unknown user id -3");
  }

  @Test
  void aRunWithoutModelParametersIsRejectedByEveryCommand() throws IOException {
    Path unfinished = Files.createDirectories(tmp.resolve("runs/unfinished"));
    Files.copy(mf.resolve("config.yaml"), unfinished.resolve("config.yaml"));
    for (List<String> args :
        List.of(
            List.of("export-onnx", unfinished.toString()),
            List.of("embed", unfinished.toString()),
            List.of("recommend", unfinished.toString(), "--user", "1"))) {
      CliRun r = CliRun.of(args);
      assertThat(r.exitCode()).as(args.toString()).isEqualTo(1);
      assertThat(r.err()).contains("no trained model in " + unfinished + ": train first");
    }
    CliRun notARun = CliRun.of(List.of("embed", tmp.resolve("nowhere").toString()));
    assertThat(notARun.exitCode()).isEqualTo(1);
    assertThat(notARun.err()).contains("run directory not found");
  }

  @Test
  void missingOrCorruptedOnnxFilesAreRejected() throws IOException {
    Path empty = Files.createDirectories(tmp.resolve("onnx-empty"));
    CliRun missing =
        CliRun.of(List.of("recommend", mf.toString(), "--onnx", empty.toString(), "-u", "1"));
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err())
        .contains(empty.resolve("user_tower.onnx") + ": not found")
        .contains("cbns export-onnx");

    Path corrupted = exported(mf, "onnx-corrupted");
    byte[] bytes = Files.readAllBytes(corrupted.resolve("item_tower.onnx"));
    Files.write(corrupted.resolve("item_tower.onnx"), java.util.Arrays.copyOf(bytes, 200));
    CliRun broken =
        CliRun.of(List.of("recommend", mf.toString(), "--onnx", corrupted.toString(), "-u", "1"));
    assertThat(broken.exitCode()).isEqualTo(1);
    assertThat(broken.err())
        .contains(corrupted.resolve("item_tower.onnx") + ": not a valid ONNX model");
  }

  @Test
  void towersOfAnotherDimensionAreRejected() throws IOException {
    // the youtube-dnn run has d = 8: its towers served with the mf run (d = 16)
    Path other = exported(youtube, "onnx-other");
    CliRun wrongModel =
        CliRun.of(List.of("recommend", mf.toString(), "--onnx", other.toString(), "-u", "1"));
    assertThat(wrongModel.exitCode()).isEqualTo(1);
    assertThat(wrongModel.err())
        .contains("the ONNX towers have dimension " + YT_DIM)
        .contains("the trained model has " + DIM);

    // an item tower of d = 8 next to a user tower of d = 16
    Path mixed = exported(mf, "onnx-mixed");
    Files.copy(
        other.resolve("item_tower.onnx"),
        mixed.resolve("item_tower.onnx"),
        StandardCopyOption.REPLACE_EXISTING);
    CliRun mixedUp =
        CliRun.of(List.of("recommend", mf.toString(), "--onnx", mixed.toString(), "-u", "1"));
    assertThat(mixedUp.exitCode()).isEqualTo(1);
    assertThat(mixedUp.err())
        .contains("the towers do not fit together")
        .contains("has dimension " + DIM)
        .contains("has " + YT_DIM);
  }

  /** A copy of a run directory (without its exports), so that a test can add to it. */
  private static Path copyOf(Path run, String name) throws IOException {
    Path copy = run.resolveSibling(name);
    Files.createDirectories(copy);
    try (var files = Files.list(run)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    return copy;
  }

  @Test
  void indexBuildsAnHnswIndexThatRecommendUsesUnlessExact() throws IOException {
    Path run = copyOf(mf, "mf-indexed");
    CliRun idx =
        CliRun.of(
            List.of(
                "index",
                run.toString(),
                "--m",
                "8",
                "--beam-width",
                "40",
                "--check",
                "60",
                "--ef",
                "5,100"));
    assertThat(idx.exitCode()).as(idx.err()).isZero();
    assertThat(idx.out())
        .contains(
            "wrote "
                + run.resolve("index")
                + " ("
                + ITEMS
                + " items, d="
                + DIM
                + ", m=8, beam-width=40) in ");
    List<String> checks = idx.out().lines().filter(l -> l.startsWith("check")).toList();
    assertThat(checks).hasSize(2);
    assertThat(checks.get(0)).startsWith("check, 60 users, k=20, ef=5: recall@20 ");
    // a beam of 100 on 100 items finds the exact top 20
    assertThat(checks.get(1)).contains("ef=100: recall@20 1.0000 of exact");
    assertThat(run.resolve("index/index.json")).content().contains("\"max_connections\" : 8");

    Path users = tmp.resolve("all-users.txt");
    Files.writeString(
        users,
        IntStream.range(0, USERS).mapToObj(Integer::toString).collect(Collectors.joining("\n")));
    CliRun ann = CliRun.of(List.of("recommend", run.toString(), "--users-file", users.toString()));
    CliRun exact =
        CliRun.of(
            List.of("recommend", run.toString(), "--users-file", users.toString(), "--exact"));
    assertThat(ann.exitCode()).as(ann.err()).isZero();
    assertThat(exact.exitCode()).as(exact.err()).isZero();
    List<String> a = ann.out().lines().toList();
    List<String> e = exact.out().lines().toList();
    assertThat(a).hasSize(USERS);
    long same = 0;
    try (TrainedRun opened = TrainedRun.open(plugins, run)) {
      CsrMatrix train = opened.dataset().trainByUser();
      for (int u = 0; u < USERS; u++) {
        List<String> items = parseIds(a.get(u));
        assertThat(items).hasSize(20);
        for (String item : items) {
          assertThat(train.contains(u, Integer.parseInt(item))).isFalse();
        }
        List<String> truth = parseIds(e.get(u));
        same += items.stream().filter(truth::contains).count();
      }
    }
    assertThat(same / (20.0 * USERS)).isGreaterThanOrEqualTo(0.99);
  }

  @Test
  void kBeyondTheCatalogueReturnsEveryUnseenItemWithANote() {
    CliRun r = CliRun.of(List.of("recommend", mf.toString(), "-u", "3", "-k", "500"));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err())
        .contains(
            "note: -k 500 is more than the 100 items of the catalogue; each user gets at most");
    int seen;
    try (TrainedRun run = TrainedRun.open(plugins, mf)) {
      seen = run.dataset().trainByUser().rowLength(3);
    }
    assertThat(parseIds(r.out().strip())).hasSize(ITEMS - seen);
    CliRun within = CliRun.of(List.of("recommend", mf.toString(), "-u", "3", "-k", "10"));
    assertThat(within.err()).doesNotContain("note:");
  }

  @Test
  void serveAnswersOverHttpAndStopsGracefullyOnSigterm() throws Exception {
    CliRun cli = CliRun.of(List.of("recommend", mf.toString(), "-u", "7", "-k", "5"));
    assertThat(cli.exitCode()).as(cli.err()).isZero();
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                javaBin,
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "-Dai.djl.offline=true",
                "-cp",
                System.getProperty("java.class.path"),
                "io.cbns.runner.Main",
                "serve",
                mf.toString(),
                "--port",
                "0")
            .redirectOutput(tmp.resolve("serve.out").toFile())
            .redirectError(tmp.resolve("serve.err").toFile())
            .start();
    try {
      String first = "";
      for (int i = 0; i < 600 && first.isEmpty() && p.isAlive(); i++) {
        Thread.sleep(100);
        first = Files.readString(tmp.resolve("serve.out")).lines().findFirst().orElse("");
      }
      assertThat(first)
          .as(Files.readString(tmp.resolve("serve.err")))
          .startsWith("serving " + mf + " on http://127.0.0.1:");
      var m = java.util.regex.Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)").matcher(first);
      assertThat(m.find()).isTrue();
      var client = java.net.http.HttpClient.newHttpClient();
      var response =
          client.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create(
                          "http://127.0.0.1:" + m.group(1) + "/recommend?user=7&k=5"))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      var json = new ObjectMapper().readTree(response.body());
      List<String> items = new ArrayList<>();
      json.get("items").forEach(n -> items.add(n.get("item").asText()));
      assertThat(items).containsExactlyElementsOf(parseIds(cli.out().strip()));

      p.destroy(); // SIGTERM
      assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(Files.readString(tmp.resolve("serve.out")).lines())
          .containsExactly(first, "stopped after 1 requests");
      // the JVM's status for SIGTERM once the shutdown hooks have run
      assertThat(p.exitValue()).isEqualTo(143);
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void usageErrorsExitWithTwo() {
    assertThat(CliRun.of(List.of("recommend", mf.toString())).exitCode()).isEqualTo(2);
    assertThat(CliRun.of(List.of("recommend", mf.toString(), "-u", "1", "-k", "0")).exitCode())
        .isEqualTo(2);
    assertThat(
            CliRun.of(List.of("recommend", mf.toString(), "-u", "1", "--provider", "tpu"))
                .exitCode())
        .isEqualTo(2);
    for (String cmd : List.of("export-onnx", "embed", "recommend")) {
      CliRun help = CliRun.of(List.of(cmd, "--help"));
      assertThat(help.exitCode()).isZero();
      assertThat(help.out()).contains("Usage: cbns " + cmd);
    }
  }

  /** A fresh export of {@code run} in {@code tmp/name}. */
  private static Path exported(Path run, String name) {
    Path dir = tmp.resolve(name);
    CliRun r = CliRun.of(List.of("export-onnx", run.toString(), "--out", dir.toString()));
    assertThat(r.exitCode()).as(r.err()).isZero();
    return dir;
  }

  /** The item ids of {@code user<TAB>item:score,...}, as printed. */
  private static List<String> parseIds(String line) {
    return java.util.Arrays.stream(line.substring(line.indexOf('\t') + 1).split(","))
        .map(p -> p.substring(0, p.lastIndexOf(':')))
        .toList();
  }

  /** {@code user<TAB>item:score,...} as (item, score) pairs. */
  private static List<Map.Entry<Integer, Float>> parse(String line) {
    String list = line.substring(line.indexOf('\t') + 1);
    return java.util.Arrays.stream(list.split(","))
        .map(
            p ->
                Map.entry(
                    Integer.parseInt(p.substring(0, p.indexOf(':'))),
                    Float.parseFloat(p.substring(p.indexOf(':') + 1))))
        .collect(Collectors.toList());
  }

  private static float[] onnx(Path file, String input, long[] ids) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(file.toString(), new OrtSession.SessionOptions());
        OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {ids.length});
        OrtSession.Result r = s.run(Map.of(input, t))) {
      float[][] rows = (float[][]) r.get(0).getValue();
      float[] out = new float[rows.length * rows[0].length];
      for (int i = 0; i < rows.length; i++) {
        System.arraycopy(rows[i], 0, out, i * rows[i].length, rows[i].length);
      }
      return out;
    }
  }

  private static float dot(float[] user, float[] items, int item) {
    int d = user.length;
    float s = 0;
    for (int j = 0; j < d; j++) {
      s += user[j] * items[item * d + j];
    }
    return s;
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }
}
