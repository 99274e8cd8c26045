package io.cbns.serving.index;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cbns.core.CbnsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LogDocMergePolicy;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;

/**
 * Approximate inner-product search over the item embeddings with an HNSW graph (Lucene's HNSW
 * vectors, {@code Lucene99HnswVectorsFormat}), stored as a Lucene index in a directory of its own
 * with an {@code index.json} that records what it was built from.
 *
 * <p>A query walks the graph with a beam of {@code ef} candidates ({@code ef >= k}; larger finds
 * more of the true top k and costs more), then the candidates are rescored with the exact dot
 * product (the graph's similarity is a monotone transform of it) and the best k kept, so scores are
 * those {@link ExactIndex} gives. Excluded items (a user's train items) are <b>filtered</b> during
 * the walk: they guide the search through the graph but are never collected, so a query still gets
 * {@code ef} candidates that are not excluded.
 *
 * <p>Thread-safe (Lucene readers are); {@link #close()} closes the index files.
 */
public final class HnswIndex implements ItemIndex {
  /** The file in the index directory that describes it. */
  public static final String DESCRIPTION_FILE = "index.json";

  /** The {@code ef} used when none is given: candidates per query. */
  public static final int DEFAULT_EF_SEARCH = 100;

  private static final String VECTOR_FIELD = "embedding";
  private static final String ITEM_FIELD = "item";
  private static final int FORMAT = 1;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Directory directory;
  private final DirectoryReader reader;
  private final LeafReader leaf;
  private final int[] docToItem;
  private final ItemEmbeddings embeddings;
  private final Description description;
  private final int efSearch;

  private HnswIndex(
      Directory directory,
      DirectoryReader reader,
      int[] docToItem,
      ItemEmbeddings embeddings,
      Description description,
      int efSearch) {
    this.directory = directory;
    this.reader = reader;
    this.leaf = reader.leaves().get(0).reader();
    this.docToItem = docToItem;
    this.embeddings = embeddings;
    this.description = description;
    this.efSearch = efSearch;
  }

  /**
   * What an index directory's {@code index.json} says.
   *
   * @param numItems the items indexed (row i of the embeddings is item i)
   * @param dimension d
   * @param settings the graph's knobs
   * @param source what the embeddings were computed from (e.g. the SHA-256 of the item tower); an
   *     index is only used with embeddings of the same source
   * @param buildSeconds how long the build took
   */
  public record Description(
      int numItems, int dimension, HnswSettings settings, String source, double buildSeconds) {
    public Description {
      requireNonNull(settings, "settings is null");
      requireNonNull(source, "source is null");
    }
  }

  /**
   * Builds an index over {@code embeddings} into {@code target}, atomically: it is written into a
   * temporary sibling directory that replaces {@code target} once complete.
   *
   * @param source what the embeddings were computed from, checked by {@link #open}
   * @return the description written to {@code index.json}
   * @throws CbnsException when the index cannot be written
   */
  public static Description build(
      ItemEmbeddings embeddings, HnswSettings settings, String source, Path target) {
    requireNonNull(embeddings, "embeddings is null");
    requireNonNull(settings, "settings is null");
    requireNonNull(source, "source is null");
    requireNonNull(target, "target is null");
    long t0 = System.nanoTime();
    Path parent = target.toAbsolutePath().getParent();
    Path tmp = parent.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
    try {
      Files.createDirectories(parent);
      try (Directory dir = FSDirectory.open(tmp);
          IndexWriter writer = new IndexWriter(dir, writerConfig(embeddings, settings))) {
        int d = embeddings.dimension();
        float[] values = embeddings.values();
        for (int i = 0; i < embeddings.numItems(); i++) {
          float[] v = new float[d];
          System.arraycopy(values, i * d, v, 0, d);
          Document doc = new Document();
          doc.add(
              new KnnFloatVectorField(
                  VECTOR_FIELD, v, VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT));
          doc.add(new NumericDocValuesField(ITEM_FIELD, i));
          writer.addDocument(doc);
        }
        // one segment: one graph to search, no per-segment merging of results
        writer.forceMerge(1);
        writer.commit();
      }
      Description description =
          new Description(
              embeddings.numItems(),
              embeddings.dimension(),
              settings,
              source,
              (System.nanoTime() - t0) / 1e9);
      writeDescription(tmp.resolve(DESCRIPTION_FILE), description);
      replace(tmp, target);
      return description;
    } catch (IOException | UncheckedIOException e) {
      throw new CbnsException("cannot build the HNSW index in " + target + ": " + e, e);
    } finally {
      deleteTree(tmp);
    }
  }

  /**
   * Opens an index written by {@link #build}.
   *
   * @param dir the index directory
   * @param embeddings the item embeddings it must have been built from (used for rescoring)
   * @param source what those embeddings were computed from; must be the recorded source
   * @param efSearch candidates per query, at least 1 ({@code max(efSearch, k)} are searched)
   * @throws CbnsException when the directory is not such an index or was built from other
   *     embeddings
   */
  public static HnswIndex open(Path dir, ItemEmbeddings embeddings, String source, int efSearch) {
    requireNonNull(dir, "dir is null");
    requireNonNull(embeddings, "embeddings is null");
    requireNonNull(source, "source is null");
    if (efSearch < 1) {
      throw new IllegalArgumentException("efSearch must be >= 1, got " + efSearch);
    }
    Description d = readDescription(dir);
    if (!d.source().equals(source)) {
      throw new CbnsException(
          dir
              + " was built from other item embeddings ("
              + d.source()
              + ", these are "
              + source
              + "); rebuild it with ./cbns index RUN_DIR, or search exactly with --exact");
    }
    if (d.numItems() != embeddings.numItems() || d.dimension() != embeddings.dimension()) {
      throw new CbnsException(
          String.format(
              Locale.ROOT,
              "%s indexes %d items of dimension %d, the towers give %d of dimension %d; rebuild it"
                  + " with ./cbns index RUN_DIR",
              dir,
              d.numItems(),
              d.dimension(),
              embeddings.numItems(),
              embeddings.dimension()));
    }
    Directory directory = null;
    DirectoryReader reader = null;
    try {
      directory = FSDirectory.open(dir);
      reader = DirectoryReader.open(directory);
      if (reader.leaves().size() != 1 || reader.maxDoc() != d.numItems()) {
        throw new CbnsException(
            dir
                + ": expected one segment of "
                + d.numItems()
                + " items, found "
                + reader.leaves().size()
                + " segments and "
                + reader.maxDoc()
                + " documents; rebuild it with ./cbns index RUN_DIR");
      }
      int[] docToItem = docToItem(reader.leaves().get(0).reader(), d.numItems(), dir);
      return new HnswIndex(directory, reader, docToItem, embeddings, d, efSearch);
    } catch (IOException | RuntimeException e) {
      closeQuietly(reader);
      closeQuietly(directory);
      if (e instanceof CbnsException c) {
        throw c;
      }
      throw new CbnsException(
          dir + ": not a readable HNSW index (" + e + "); rebuild it with ./cbns index RUN_DIR", e);
    }
  }

  /**
   * The source to record for embeddings computed with the item tower in {@code itemTower}: the
   * SHA-256 of the file, so that an index is never used with the towers of another export.
   */
  public static String sourceOf(Path itemTower) {
    try (var in = Files.newInputStream(itemTower)) {
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
      return "sha256:"
          + java.util.HexFormat.of().formatHex(sha.digest())
          + " of "
          + itemTower.getFileName();
    } catch (IOException e) {
      throw new CbnsException(itemTower + ": cannot read (" + e.getMessage() + ")", e);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads an index directory's {@code index.json}. */
  public static Description readDescription(Path dir) {
    Path file = dir.resolve(DESCRIPTION_FILE);
    try {
      JsonNode n = JSON.readTree(file.toFile());
      if (n.path("format").asInt(-1) != FORMAT) {
        throw new CbnsException(
            file + ": format " + n.path("format") + " is not " + FORMAT + "; rebuild the index");
      }
      return new Description(
          n.path("items").asInt(),
          n.path("dimension").asInt(),
          new HnswSettings(n.path("max_connections").asInt(), n.path("beam_width").asInt()),
          n.path("source").asText(),
          n.path("build_seconds").asDouble());
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      throw new CbnsException(
          dir + " is not an HNSW index (no " + DESCRIPTION_FILE + "); build one with ./cbns index");
    } catch (IOException | IllegalArgumentException e) {
      throw new CbnsException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  /** What the index was built from and with. */
  public Description description() {
    return description;
  }

  /** Candidates per query. */
  public int efSearch() {
    return efSearch;
  }

  @Override
  public int numItems() {
    return description.numItems();
  }

  @Override
  public int dimension() {
    return description.dimension();
  }

  @Override
  public String describe() {
    return String.format(
        Locale.ROOT,
        "hnsw(m=%d, beam-width=%d, ef=%d)",
        description.settings().maxConnections(),
        description.settings().beamWidth(),
        efSearch);
  }

  @Override
  public ScoredItems[] search(float[] queries, int k, Exclusion[] exclusions, boolean parallel) {
    requireNonNull(queries, "queries is null");
    requireNonNull(exclusions, "exclusions is null");
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
    int d = dimension();
    if (queries.length != (long) exclusions.length * d) {
      throw new IllegalArgumentException(
          "queries hold "
              + queries.length
              + " floats for "
              + exclusions.length
              + " exclusions of dimension "
              + d);
    }
    ScoredItems[] out = new ScoredItems[exclusions.length];
    IntStream range = IntStream.range(0, exclusions.length);
    (parallel && exclusions.length > 1 ? range.parallel() : range)
        .forEach(q -> out[q] = searchOne(queries, q * d, k, exclusions[q]));
    return out;
  }

  private ScoredItems searchOne(float[] queries, int offset, int k, Exclusion exclusion) {
    int d = dimension();
    float[] query = new float[d];
    System.arraycopy(queries, offset, query, 0, d);
    int ef = Math.min(Math.max(efSearch, k), numItems());
    if (ef == 0) {
      return new ScoredItems(new int[0], new float[0]);
    }
    Bits accept = exclusion.size() == 0 ? null : new Accepted(exclusion);
    TopDocs hits;
    try {
      hits = leaf.searchNearestVectors(VECTOR_FIELD, query, ef, accept, Integer.MAX_VALUE);
    } catch (IOException e) {
      throw new CbnsException("HNSW search failed: " + e, e);
    }
    TopK top = new TopK(Math.min(k, ef));
    for (ScoreDoc hit : hits.scoreDocs) {
      int item = docToItem[hit.doc];
      top.offer(item, embeddings.dot(query, 0, item));
    }
    return top.result();
  }

  @Override
  public void close() {
    try {
      reader.close();
      directory.close();
    } catch (IOException e) {
      throw new CbnsException("cannot close the HNSW index: " + e.getMessage(), e);
    }
  }

  /** The documents whose item is not excluded. */
  private final class Accepted implements Bits {
    private final Exclusion exclusion;

    Accepted(Exclusion exclusion) {
      this.exclusion = exclusion;
    }

    @Override
    public boolean get(int doc) {
      return !exclusion.contains(docToItem[doc]);
    }

    @Override
    public int length() {
      return docToItem.length;
    }
  }

  private static IndexWriterConfig writerConfig(ItemEmbeddings e, HnswSettings settings) {
    KnnVectorsFormat format =
        new Lucene99HnswVectorsFormat(settings.maxConnections(), settings.beamWidth());
    Codec codec =
        new Lucene912Codec() {
          @Override
          public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
            return format;
          }
        };
    // everything in one in-memory segment when the heap allows: the graph is built once, while
    // documents are added, instead of once per flushed segment and again when merging them
    long vectorsMb = (long) e.numItems() * e.dimension() * Float.BYTES >> 20;
    long heapMb = Runtime.getRuntime().maxMemory() >> 20;
    double bufferMb = Math.max(64, Math.min(Math.min(1900, heapMb / 2), 3 * vectorsMb + 64));
    return new IndexWriterConfig()
        .setCodec(codec)
        .setOpenMode(IndexWriterConfig.OpenMode.CREATE)
        .setRAMBufferSizeMB(bufferMb)
        .setRAMPerThreadHardLimitMB((int) Math.min(1945, Math.max(bufferMb + 1, 256)))
        .setMaxBufferedDocs(IndexWriterConfig.DISABLE_AUTO_FLUSH)
        // merges adjacent segments only: documents keep their order
        .setMergePolicy(new LogDocMergePolicy())
        .setUseCompoundFile(false);
  }

  private static int[] docToItem(LeafReader leaf, int numItems, Path dir) throws IOException {
    NumericDocValues items = leaf.getNumericDocValues(ITEM_FIELD);
    if (items == null) {
      throw new CbnsException(dir + ": the index has no item ids; rebuild it");
    }
    int[] out = new int[leaf.maxDoc()];
    java.util.Arrays.fill(out, -1);
    for (int doc = items.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = items.nextDoc()) {
      long item = items.longValue();
      if (item < 0 || item >= numItems) {
        throw new CbnsException(dir + ": item id " + item + " outside [0, " + numItems + ")");
      }
      out[doc] = (int) item;
    }
    for (int doc = 0; doc < out.length; doc++) {
      if (out[doc] < 0) {
        throw new CbnsException(dir + ": document " + doc + " has no item id; rebuild it");
      }
    }
    return out;
  }

  private static void writeDescription(Path file, Description d) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("kind", "hnsw");
    m.put("library", "lucene " + org.apache.lucene.util.Version.LATEST);
    m.put("items", d.numItems());
    m.put("dimension", d.dimension());
    m.put("similarity", "maximum inner product");
    m.put("max_connections", d.settings().maxConnections());
    m.put("beam_width", d.settings().beamWidth());
    m.put("source", d.source());
    m.put("build_seconds", Math.round(d.buildSeconds() * 1000) / 1000.0);
    Files.writeString(file, JSON.writeValueAsString(m) + "\n");
  }

  /** Puts the complete directory {@code tmp} in the place of {@code target}. */
  private static void replace(Path tmp, Path target) throws IOException {
    Path old = null;
    if (Files.exists(target)) {
      old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
      Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target);
    } catch (IOException e) {
      if (old != null) {
        Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
      }
      throw e;
    }
    if (old != null) {
      deleteTree(old);
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: a leftover temporary directory is hidden and never read
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // already failing
      }
    }
  }
}
