package io.cbns.benchmarks.serving;

import io.cbns.serving.index.ExactIndex;
import io.cbns.serving.index.Exclusion;
import io.cbns.serving.index.HnswIndex;
import io.cbns.serving.index.HnswSettings;
import io.cbns.serving.index.IndexComparison;
import io.cbns.serving.index.ItemEmbeddings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The HNSW index against the exact search on a generated catalogue far larger than Gowalla's:
 * recall@k, single-thread queries per second and p50/p99 latency for several graph settings and
 * search beams, and build times.
 *
 * <p>The catalogue is shaped like trained embeddings rather than uniform noise (on which no graph
 * index works well and no trained model lands): {@code --clusters} centres drawn uniformly on the
 * unit sphere of dimension d, each item a centre plus Gaussian noise of norm about {@code --spread}
 * (per coordinate {@code spread / sqrt(d)}), normalised, as with {@code model.normalize: true};
 * queries (users) drawn the same way from random centres. Each query excludes 20 random items, as a
 * user's train items are excluded. Everything derives from {@code --seed}.
 *
 * <pre>
 * java -Xmx6g -cp cbns-benchmarks/target/cbns-benchmarks.jar io.cbns.benchmarks.serving.AnnCatalogue \
 *     --items 1000000 --dim 64 --queries 2000 --settings 16/100,32/200 --ef 50,100,200
 * </pre>
 *
 * Prints one line per setting and beam. The index is built into a temporary directory, deleted at
 * the end.
 */
public final class AnnCatalogue {
  private AnnCatalogue() {}

  public static void main(String[] args) throws IOException {
    int items = 1_000_000;
    int dim = 64;
    int queries = 2000;
    int clusters = 2000;
    double spread = 0.8;
    long seed = 42;
    int k = 20;
    List<HnswSettings> settings = List.of(HnswSettings.DEFAULT);
    int[] efs = {50, 100, 200};
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--items" -> items = Integer.parseInt(v);
        case "--dim" -> dim = Integer.parseInt(v);
        case "--queries" -> queries = Integer.parseInt(v);
        case "--clusters" -> clusters = Integer.parseInt(v);
        case "--spread" -> spread = Double.parseDouble(v);
        case "--seed" -> seed = Long.parseLong(v);
        case "-k" -> k = Integer.parseInt(v);
        case "--settings" ->
            settings =
                Arrays.stream(v.split(","))
                    .map(s -> s.split("/"))
                    .map(p -> new HnswSettings(Integer.parseInt(p[0]), Integer.parseInt(p[1])))
                    .toList();
        case "--ef" -> efs = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    SplittableRandom random = new SplittableRandom(seed);
    float[] centres = sphere(clusters, dim, random);
    ItemEmbeddings catalogue =
        new ItemEmbeddings(items, dim, mixture(items, dim, centres, spread, random));
    float[] q = mixture(queries, dim, centres, spread, random);
    Exclusion[] exclusions = new Exclusion[queries];
    for (int i = 0; i < queries; i++) {
      exclusions[i] = Exclusion.of(random.ints(20, 0, items).toArray());
    }
    System.out.printf(
        Locale.ROOT,
        "catalogue: %,d items, d=%d, %d clusters, spread %.2f; %,d queries, k=%d, 20 items"
            + " excluded per query; %d cores, max heap %d MiB%n",
        items,
        dim,
        clusters,
        spread,
        queries,
        k,
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
    ExactIndex exact = new ExactIndex(catalogue);
    Path work = Files.createTempDirectory("cbns-ann");
    try {
      for (HnswSettings s : settings) {
        Path dir = work.resolve("m" + s.maxConnections() + "-b" + s.beamWidth());
        HnswIndex.Description d = HnswIndex.build(catalogue, s, "generated", dir);
        long bytes;
        try (Stream<Path> files = Files.walk(dir)) {
          bytes = files.filter(Files::isRegularFile).mapToLong(AnnCatalogue::size).sum();
        }
        System.out.printf(
            Locale.ROOT,
            "build m=%d beam-width=%d: %.1f s, index %.0f MiB%n",
            s.maxConnections(),
            s.beamWidth(),
            d.buildSeconds(),
            bytes / 1048576.0);
        for (int ef : efs) {
          try (HnswIndex hnsw = HnswIndex.open(dir, catalogue, "generated", ef)) {
            IndexComparison.Result r =
                IndexComparison.compare(exact, hnsw, q, exclusions, k, Math.min(queries, 300));
            System.out.printf(
                Locale.ROOT,
                "  m=%d beam-width=%d ef=%d: recall@%d %.4f; exact %s; hnsw %s; %.1fx%n",
                s.maxConnections(),
                s.beamWidth(),
                ef,
                k,
                r.recall(),
                r.exact(),
                r.approximate(),
                r.speedup());
          }
        }
        System.out.printf(
            "  (load average %s)%n", Files.readString(Path.of("/proc/loadavg")).strip());
      }
    } finally {
      try (Stream<Path> files = Files.walk(work)) {
        List<Path> all = new ArrayList<>(files.toList());
        all.sort(Comparator.reverseOrder());
        for (Path p : all) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  /** {@code n} points uniform on the unit sphere, row-major. */
  private static float[] sphere(int n, int d, SplittableRandom random) {
    float[] out = new float[n * d];
    for (int i = 0; i < n; i++) {
      double norm = 0;
      for (int j = 0; j < d; j++) {
        double x = gaussian(random);
        out[i * d + j] = (float) x;
        norm += x * x;
      }
      for (int j = 0; j < d; j++) {
        out[i * d + j] /= (float) Math.sqrt(norm);
      }
    }
    return out;
  }

  /** {@code n} unit vectors, each a random centre plus noise of norm about {@code spread}. */
  private static float[] mixture(
      int n, int d, float[] centres, double spread, SplittableRandom random) {
    int clusters = centres.length / d;
    double sigma = spread / Math.sqrt(d);
    float[] out = new float[n * d];
    for (int i = 0; i < n; i++) {
      int c = random.nextInt(clusters);
      double norm = 0;
      for (int j = 0; j < d; j++) {
        double x = centres[c * d + j] + sigma * gaussian(random);
        out[i * d + j] = (float) x;
        norm += x * x;
      }
      for (int j = 0; j < d; j++) {
        out[i * d + j] /= (float) Math.sqrt(norm);
      }
    }
    return out;
  }

  /** A standard normal draw (Box-Muller), independent of the JDK's nextGaussian algorithm. */
  private static double gaussian(SplittableRandom random) {
    double u = 1.0 - random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
  }
}
