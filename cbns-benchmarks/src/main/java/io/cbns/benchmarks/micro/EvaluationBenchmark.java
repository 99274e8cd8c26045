package io.cbns.benchmarks.micro;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.cbns.benchmarks.fixture.BenchmarkData;
import io.cbns.core.config.Options;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.eval.FullRankingEvaluator;
import io.cbns.core.eval.RankingMetrics;
import io.cbns.core.model.TowerContext;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.spi.PluginRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Full-ranking evaluation (LightGCN protocol, {@link FullRankingEvaluator}) of {@code mf} towers (d
 * = 64, normalised, freshly initialised: scoring cost does not depend on the weights) on the
 * benchmark dataset, Gowalla by default: 29,858 test users against 40,981 items.
 *
 * <p>{@link #fullRanking} is one whole evaluation at Recall/NDCG@20, as {@code cbns train} runs it
 * at the end (single shot, seconds). The chunk benchmarks split one chunk of {@code chunkSize}
 * users into its engine parts: {@link #chunkScores} the {@code [chunk, d] x [d, items]} matmul,
 * {@link #chunkTopK} the matmul plus top-20; the rest of a chunk (masking train items, metrics on
 * the host) is the remainder of {@code fullRanking / chunks}.
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {Forks.ADD_OPENS, Forks.OFFLINE, Forks.INTEROP, Forks.QUIET})
public class EvaluationBenchmark {
  @Param(BenchmarkData.GOWALLA)
  public String data;

  @Param(BenchmarkData.CACHE)
  public String cache;

  @Param("1024")
  public int chunkSize;

  private InteractionDataset dataset;
  private NDManager root;
  private TwoTowerModel model;
  private FullRankingEvaluator evaluator;
  private ParameterStore parameters;
  private NDArray itemsTransposed;
  private long[] chunkUsers;

  @Setup
  public void setUp() {
    PluginRegistry plugins = BenchmarkData.plugins();
    dataset = BenchmarkData.openLightGcn(plugins, Path.of(data), Path.of(cache));
    root = NDManager.newBaseManager();
    int numItems = dataset.info().numItems();
    model =
        plugins
            .towers()
            .get("mf")
            .create(
                new TowerContext(
                    dataset.info().numUsers(), numItems, 64, true, 42, dataset.trainByUser(), root),
                Options.empty("model"));
    evaluator = new FullRankingEvaluator(List.of(20), chunkSize);
    parameters = new ParameterStore(root, false);
    itemsTransposed =
        model
            .encodeItems(parameters, root.arange(0, numItems, 1, DataType.INT64), false)
            .transpose();
    CsrMatrix test = dataset.testByUser();
    chunkUsers =
        IntStream.range(0, test.numRows())
            .filter(u -> test.rowLength(u) > 0)
            .limit(chunkSize)
            .asLongStream()
            .toArray();
  }

  @TearDown
  public void tearDown() {
    model.close();
    root.close();
    dataset.close();
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @Warmup(iterations = 1)
  @Measurement(iterations = 3)
  public RankingMetrics fullRanking() {
    return evaluator.evaluate(root, model, dataset.trainByUser(), dataset.testByUser());
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @Warmup(iterations = 2, time = 2)
  @Measurement(iterations = 3, time = 2)
  public float chunkScores() {
    try (NDManager chunk = root.newSubManager()) {
      return scores(chunk).getFloat(0, 0);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @Warmup(iterations = 2, time = 2)
  @Measurement(iterations = 3, time = 2)
  public long[] chunkTopK() {
    try (NDManager chunk = root.newSubManager()) {
      NDList top = scores(chunk).topK(20, 1, true, true);
      return top.get(1).toType(DataType.INT64, false).toLongArray();
    }
  }

  private NDArray scores(NDManager chunk) {
    NDArray users = model.encodeUsers(parameters, chunk.create(chunkUsers), null, false);
    return users.matMul(itemsTransposed);
  }
}
