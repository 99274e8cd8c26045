package io.cbns.data.arrow.importer;

import static java.util.Objects.requireNonNull;

import io.cbns.core.CbnsException;
import io.cbns.data.arrow.format.DatasetContent;
import io.cbns.data.arrow.format.InteractionTable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The steps every importer (and the synthetic generator) shares between parsing and writing, in
 * this order:
 *
 * <ol>
 *   <li>deduplicate each input: a (user, item) pair is kept once (the row with the earliest
 *       timestamp when there are timestamps, else the first in input order); rows end up sorted by
 *       (user, item);
 *   <li>split a single input into train and test ({@link SplitMethod}), or, for a pre-split source,
 *       remove test pairs that also occur in train ({@code train_test_overlap});
 *   <li>carve a validation split out of train when {@code validationRatio > 0};
 *   <li>apply the {@link UnseenPolicy} to test and validation rows whose user or item is not in the
 *       final train split;
 *   <li>compact ids that occur in no split (dense ids only), renumbering the rest in order.
 * </ol>
 *
 * <p>Deterministic: the same inputs and plan give the same content. Stateless.
 */
public final class DatasetAssembler {
  private static final long TEST_STREAM = 0x7e57_5eedL;
  private static final long VALIDATION_STREAM = 0x7a11_da7eL;

  private DatasetAssembler() {}

  /**
   * What to do.
   *
   * @param name the dataset name
   * @param source a description of the input for error messages (e.g. a file)
   * @param numUsers the id space of users in the inputs
   * @param numItems the id space of items in the inputs
   * @param split how to split a single input; {@code null} when a test input is given
   * @param testRatio the held-out fraction for the ratio methods ({@link SplitMethod#byRatio()})
   * @param validationRatio the fraction of each user's train interactions carved out as validation
   *     ({@code 0}: no validation split; with {@link SplitMethod#LEAVE_LAST_OUT} any positive value
   *     means one interaction per user)
   * @param unseenTest the policy for test/validation rows unseen in train
   * @param seed the seed of the random splits
   * @param compactIds whether ids that occur in no split are removed (dense ids only)
   * @param validationSplit how validation is carved out of a test input's train (default {@link
   *     SplitMethod#RATIO}); a single input's validation is carved with {@code split}
   */
  public record Plan(
      String name,
      String source,
      int numUsers,
      int numItems,
      SplitMethod split,
      double testRatio,
      double validationRatio,
      UnseenPolicy unseenTest,
      long seed,
      boolean compactIds,
      SplitMethod validationSplit) {
    public Plan {
      requireNonNull(name, "name is null");
      requireNonNull(validationSplit, "validationSplit is null");
      requireNonNull(source, "source is null");
      requireNonNull(unseenTest, "unseenTest is null");
      if (numUsers < 1 || numItems < 1) {
        throw new IllegalArgumentException("numUsers and numItems must be >= 1");
      }
      if (!(testRatio >= 0 && testRatio < 1) || !(validationRatio >= 0 && validationRatio < 1)) {
        throw new IllegalArgumentException("ratios must be in [0, 1)");
      }
      if (split != null && !(testRatio > 0) && split.byRatio()) {
        throw new IllegalArgumentException("a ratio split needs testRatio > 0");
      }
      if (split != null && validationSplit != SplitMethod.RATIO && validationSplit != split) {
        throw new IllegalArgumentException(
            "a single input's validation is carved with its split method");
      }
    }

    /** The method that carves validation out of train. */
    public SplitMethod validationMethod() {
      return split != null ? split : validationSplit;
    }

    /** A builder: name and id space are required, the rest optional. */
    public static Builder builder() {
      return new Builder();
    }

    /** Builds a {@link Plan}; {@link #build()} validates. Not thread-safe. */
    public static final class Builder {
      private String name;
      private String source;
      private int numUsers = -1;
      private int numItems = -1;
      private SplitMethod split;
      private double testRatio;
      private double validationRatio;
      private UnseenPolicy unseenTest = UnseenPolicy.DROP;
      private long seed = 42;
      private boolean compactIds;
      private SplitMethod validationSplit = SplitMethod.RATIO;

      private Builder() {}

      /** The dataset name (required). */
      public Builder setName(String name) {
        this.name = name;
        return this;
      }

      /** The id spaces of the inputs (required). */
      public Builder setIdSpace(int numUsers, int numItems) {
        this.numUsers = numUsers;
        this.numItems = numItems;
        return this;
      }

      /** Where the input came from, for messages (default: the name). */
      public Builder optSource(String source) {
        this.source = source;
        return this;
      }

      /** Split a single input (default: a test input is given instead). */
      public Builder optSplit(SplitMethod split, double testRatio) {
        this.split = requireNonNull(split, "split is null");
        this.testRatio = testRatio;
        return this;
      }

      /** Carve a validation split out of train (default 0: none). */
      public Builder optValidationRatio(double validationRatio) {
        this.validationRatio = validationRatio;
        return this;
      }

      /**
       * How validation is carved out of a test input's train (default {@link SplitMethod#RATIO});
       * with a single input, validation is carved with its split method.
       */
      public Builder optValidationSplit(SplitMethod validationSplit) {
        this.validationSplit = requireNonNull(validationSplit, "validationSplit is null");
        return this;
      }

      /** The unseen-test policy (default {@link UnseenPolicy#DROP}). */
      public Builder optUnseenTest(UnseenPolicy unseenTest) {
        this.unseenTest = unseenTest;
        return this;
      }

      /** The seed of the random splits (default 42). */
      public Builder optSeed(long seed) {
        this.seed = seed;
        return this;
      }

      /** Remove ids that end up in no split (default false; dense ids only). */
      public Builder optCompactIds(boolean compactIds) {
        this.compactIds = compactIds;
        return this;
      }

      /**
       * @throws NullPointerException when the name is missing
       * @throws IllegalArgumentException when the id space is missing or a value is out of range
       */
      public Plan build() {
        requireNonNull(name, "name is required (setName)");
        return new Plan(
            name,
            source == null ? name : source,
            numUsers,
            numItems,
            split,
            testRatio,
            validationRatio,
            unseenTest,
            seed,
            compactIds,
            validationSplit);
      }
    }
  }

  /**
   * What the steps removed or kept.
   *
   * @param duplicates duplicate (user, item) rows removed (all inputs)
   * @param trainTestOverlap test rows removed because the pair is in train (pre-split sources)
   * @param unseenDropped test/validation rows dropped by {@link UnseenPolicy#DROP}
   * @param unseenKept test/validation rows kept by {@link UnseenPolicy#KEEP}
   * @param compactedUsers user ids removed by compaction
   * @param compactedItems item ids removed by compaction
   */
  public record Stats(
      long duplicates,
      long trainTestOverlap,
      long unseenDropped,
      long unseenKept,
      long compactedUsers,
      long compactedItems) {}

  /** The assembled dataset and what the steps counted. */
  public record Result(DatasetContent content, Stats stats) {
    public Result {
      requireNonNull(content, "content is null");
      requireNonNull(stats, "stats is null");
    }
  }

  /**
   * Runs the steps.
   *
   * @param plan what to do
   * @param trainOrAll the train input, or the only input when {@code plan.split()} is set
   * @param test the test input, or {@code null} when {@code plan.split()} is set
   * @param userIdMap original user ids per input id, or {@code null}
   * @param itemIdMap original item ids per input id, or {@code null}
   * @throws CbnsException when no train or no test interaction is left
   */
  public static Result assemble(
      Plan plan,
      InteractionTable trainOrAll,
      InteractionTable test,
      String[] userIdMap,
      String[] itemIdMap) {
    requireNonNull(plan, "plan is null");
    requireNonNull(trainOrAll, "trainOrAll is null");
    if ((plan.split() == null) == (test == null)) {
      throw new IllegalArgumentException("give either a split method or a test input");
    }
    long[] dups = new long[1];
    InteractionTable train = dedupe(trainOrAll, plan, dups);
    long overlap = 0;
    if (plan.split() != null) {
      if (plan.testRatio() <= 0) {
        throw new IllegalArgumentException("testRatio must be > 0 to split a single input");
      }
      boolean[] held = holdOut(train, plan.split(), plan.testRatio(), plan.seed() ^ TEST_STREAM);
      test = select(train, held, true);
      train = select(train, held, false);
    } else {
      test = dedupe(test, plan, dups);
      boolean[] inTrain = pairsIn(test, train);
      for (boolean b : inTrain) {
        overlap += b ? 1 : 0;
      }
      test = select(test, inTrain, false);
    }
    InteractionTable validation = null;
    if (plan.validationRatio() > 0) {
      boolean[] held =
          holdOut(
              train,
              plan.validationMethod(),
              plan.validationRatio(),
              plan.seed() ^ VALIDATION_STREAM);
      validation = select(train, held, true);
      train = select(train, held, false);
    }
    if (train.size() == 0) {
      throw new CbnsException(plan.source() + ": no train interactions (after deduplication)");
    }
    boolean[] seenUser = new boolean[plan.numUsers()];
    boolean[] seenItem = new boolean[plan.numItems()];
    for (int r = 0; r < train.size(); r++) {
      seenUser[train.userIds()[r]] = true;
      seenItem[train.itemIds()[r]] = true;
    }
    long[] unseen = new long[1];
    test = applyUnseen(test, seenUser, seenItem, plan.unseenTest(), unseen);
    if (validation != null) {
      validation = applyUnseen(validation, seenUser, seenItem, plan.unseenTest(), unseen);
    }
    if (test.size() == 0) {
      throw new CbnsException(
          plan.source()
              + ": no test interactions left"
              + (unseen[0] > 0 && plan.unseenTest() == UnseenPolicy.DROP
                  ? " (unseen-test: drop removed "
                      + unseen[0]
                      + " whose user or item is not in"
                      + " train)"
                  : "")
              + "; check the input or the split options");
    }
    long droppedUnseen = plan.unseenTest() == UnseenPolicy.DROP ? unseen[0] : 0;
    long keptUnseen = plan.unseenTest() == UnseenPolicy.KEEP ? unseen[0] : 0;

    int numUsers = plan.numUsers();
    int numItems = plan.numItems();
    long compactedUsers = 0;
    long compactedItems = 0;
    if (plan.compactIds()) {
      InteractionTable[] splits = {train, validation, test};
      int[] userMap = usedIdMap(numUsers, splits, true);
      int[] itemMap = usedIdMap(numItems, splits, false);
      int keptUsers = count(userMap);
      int keptItems = count(itemMap);
      compactedUsers = numUsers - keptUsers;
      compactedItems = numItems - keptItems;
      if (compactedUsers > 0 || compactedItems > 0) {
        train = remap(train, userMap, itemMap);
        test = remap(test, userMap, itemMap);
        validation = validation == null ? null : remap(validation, userMap, itemMap);
        userIdMap = userIdMap == null ? null : remapNames(userIdMap, userMap, keptUsers);
        itemIdMap = itemIdMap == null ? null : remapNames(itemIdMap, itemMap, keptItems);
        numUsers = keptUsers;
        numItems = keptItems;
      }
    }
    DatasetContent content =
        new DatasetContent(
            plan.name(), numUsers, numItems, train, validation, test, userIdMap, itemIdMap);
    return new Result(
        content,
        new Stats(dups[0], overlap, droppedUnseen, keptUnseen, compactedUsers, compactedItems));
  }

  /** Sorts by (user, item) and keeps one row per pair; counts the removed rows in dups[0]. */
  static InteractionTable dedupe(InteractionTable t, Plan plan, long[] dups) {
    int n = t.size();
    int[] u = t.userIds();
    int[] i = t.itemIds();
    // two stable counting sorts (item, then user) give (user, item) order, ties in input order
    int[] byItem = countingSort(i, identity(n), plan.numItems());
    int[] order = countingSort(u, byItem, plan.numUsers());
    int[] keep = new int[n];
    int kept = 0;
    int r = 0;
    while (r < n) {
      int first = order[r];
      int best = first;
      int e = r + 1;
      while (e < n && u[order[e]] == u[first] && i[order[e]] == i[first]) {
        if (t.hasTimestamps() && t.timestamps()[order[e]] < t.timestamps()[best]) {
          best = order[e];
        }
        e++;
      }
      keep[kept++] = best;
      r = e;
    }
    dups[0] += n - kept;
    return gather(t, keep, kept);
  }

  private static int[] identity(int n) {
    int[] a = new int[n];
    for (int k = 0; k < n; k++) {
      a[k] = k;
    }
    return a;
  }

  /** Stable counting sort of the rows in {@code order} by {@code keys[row]} in {@code [0, k)}. */
  private static int[] countingSort(int[] keys, int[] order, int k) {
    int[] pos = new int[k + 1];
    for (int row : order) {
      pos[keys[row] + 1]++;
    }
    for (int c = 0; c < k; c++) {
      pos[c + 1] += pos[c];
    }
    int[] out = new int[order.length];
    for (int row : order) {
      out[pos[keys[row]]++] = row;
    }
    return out;
  }

  private static InteractionTable gather(InteractionTable t, int[] rows, int n) {
    int[] u = new int[n];
    int[] i = new int[n];
    long[] ts = t.hasTimestamps() ? new long[n] : null;
    float[] w = t.hasWeights() ? new float[n] : null;
    for (int k = 0; k < n; k++) {
      int r = rows[k];
      u[k] = t.userIds()[r];
      i[k] = t.itemIds()[r];
      if (ts != null) {
        ts[k] = t.timestamps()[r];
      }
      if (w != null) {
        w[k] = t.weights()[r];
      }
    }
    return new InteractionTable(u, i, ts, w);
  }

  /** The rows whose flag equals {@code wanted}, in order. */
  static InteractionTable select(InteractionTable t, boolean[] flags, boolean wanted) {
    int[] rows = new int[t.size()];
    int n = 0;
    for (int r = 0; r < flags.length; r++) {
      if (flags[r] == wanted) {
        rows[n++] = r;
      }
    }
    return gather(t, rows, n);
  }

  /**
   * Marks the held-out rows of a (user, item)-sorted table: per user with {@code n >= 2} rows,
   * {@code min(round(ratio * n), n - 1)} random rows ({@link SplitMethod#RATIO}), that many latest
   * rows ({@link SplitMethod#LATEST_RATIO}) or the latest one ({@link SplitMethod#LEAVE_LAST_OUT}).
   * The random rows come from one stream seeded with {@code streamSeed} and read user after user
   * ({@link SplitMethod#RATIO}), or from a stream per user seeded with {@link #userSeed} ({@link
   * SplitMethod#HASH_RATIO}).
   */
  static boolean[] holdOut(InteractionTable t, SplitMethod method, double ratio, long streamSeed) {
    SplittableRandom sequential = new SplittableRandom(streamSeed);
    int n = t.size();
    int[] u = t.userIds();
    boolean[] held = new boolean[n];
    int[] scratch = new int[16];
    int s = 0;
    while (s < n) {
      int e = s + 1;
      while (e < n && u[e] == u[s]) {
        e++;
      }
      int len = e - s;
      if (len >= 2) {
        if (method.needsTimestamps() && !t.hasTimestamps()) {
          throw new IllegalArgumentException(method.optionValue() + " needs timestamps");
        }
        if (method == SplitMethod.LATEST_RATIO) {
          holdLatest(t.timestamps(), s, e, (int) Math.min(Math.round(ratio * len), len - 1L), held);
        } else if (method == SplitMethod.LEAVE_LAST_OUT) {
          holdLatest(t.timestamps(), s, e, 1, held); // the latest row, ties to the largest item
        } else {
          SplittableRandom rng =
              method == SplitMethod.HASH_RATIO
                  ? new SplittableRandom(userSeed(streamSeed, u[s]))
                  : sequential;
          int k = (int) Math.min(Math.round(ratio * len), len - 1L);
          if (scratch.length < len) {
            scratch = new int[Math.max(len, scratch.length * 2)];
          }
          for (int j = 0; j < len; j++) {
            scratch[j] = s + j;
          }
          for (int j = 0; j < k; j++) { // partial Fisher-Yates: the first k are the sample
            int pick = j + rng.nextInt(len - j);
            int tmp = scratch[j];
            scratch[j] = scratch[pick];
            scratch[pick] = tmp;
            held[scratch[j]] = true;
          }
        }
      }
      s = e;
    }
    return held;
  }

  /**
   * The rows that a {@link SplitMethod#LATEST_RATIO} carve of {@code fraction} holds out: per user
   * with {@code n >= 2} rows, the latest {@code min(round(fraction x n), n - 1)}.
   *
   * @param userSorted a table with timestamps whose rows are grouped by user, each user's sorted by
   *     item (as every split of a dataset is)
   */
  public static boolean[] latestRows(InteractionTable userSorted, double fraction) {
    return holdOut(userSorted, SplitMethod.LATEST_RATIO, fraction, 0);
  }

  /**
   * Marks the {@code k} latest of the rows {@code [s, e)} (one user's, sorted by item): those with
   * the largest timestamps, ties going to the larger item id (the later row).
   */
  private static void holdLatest(long[] ts, int s, int e, int k, boolean[] held) {
    if (k <= 0) {
      return;
    }
    long[] sorted = Arrays.copyOfRange(ts, s, e);
    Arrays.sort(sorted);
    long threshold = sorted[sorted.length - k]; // the k-th largest timestamp
    int taken = 0;
    for (int r = s; r < e; r++) {
      if (ts[r] > threshold) {
        held[r] = true;
        taken++;
      }
    }
    for (int r = e - 1; r >= s && taken < k; r--) { // ties: the largest item ids first
      if (ts[r] == threshold) {
        held[r] = true;
        taken++;
      }
    }
  }

  /** Row codes of {@link #splitCodes}. */
  public static final byte TRAIN = 0;

  public static final byte VALIDATION = 1;
  public static final byte TEST = 2;

  /**
   * The split of each row of a deduplicated table sorted by (user, item), the way {@link #assemble}
   * splits a single input: test held out with {@code method} and {@code testRatio}, then validation
   * carved out of the rest with the same method. For the per-user methods ({@link
   * SplitMethod#HASH_RATIO}, {@link SplitMethod#LATEST_RATIO}, {@link SplitMethod#LEAVE_LAST_OUT})
   * a table holding some users' rows (each user's all of them) gets the codes those rows get in the
   * whole table: the Spark importer calls this on each partition of users.
   *
   * @param validationRatio 0 for no validation split
   * @return {@link #TRAIN}, {@link #VALIDATION} or {@link #TEST} per row
   */
  public static byte[] splitCodes(
      InteractionTable userSorted,
      SplitMethod method,
      double testRatio,
      double validationRatio,
      long seed) {
    if (method == SplitMethod.RATIO) {
      throw new IllegalArgumentException(
          "ratio reads one stream user after user: its codes depend on the rows before a user;"
              + " use hash-ratio");
    }
    boolean[] test = holdOut(userSorted, method, testRatio, seed ^ TEST_STREAM);
    byte[] codes = new byte[userSorted.size()];
    for (int r = 0; r < codes.length; r++) {
      codes[r] = test[r] ? TEST : TRAIN;
    }
    if (validationRatio > 0) {
      byte[] carved =
          validationCodes(select(userSorted, test, false), method, validationRatio, seed);
      for (int r = 0, t = 0; r < codes.length; r++) {
        if (codes[r] == TRAIN) {
          codes[r] = carved[t++];
        }
      }
    }
    return codes;
  }

  /**
   * The validation carve of a deduplicated train table sorted by (user, item), as {@link #assemble}
   * carves it: {@link #VALIDATION} or {@link #TRAIN} per row. As for {@link #splitCodes}, the
   * per-user methods give a table of some users' rows the codes those rows get in the whole table:
   * the Spark importer carves a test input's train on partitions of users with it.
   */
  public static byte[] validationCodes(
      InteractionTable userSorted, SplitMethod method, double validationRatio, long seed) {
    if (method == SplitMethod.RATIO) {
      throw new IllegalArgumentException(
          "ratio reads one stream user after user: its codes depend on the rows before a user;"
              + " use hash-ratio");
    }
    boolean[] held = holdOut(userSorted, method, validationRatio, seed ^ VALIDATION_STREAM);
    byte[] codes = new byte[held.length];
    for (int r = 0; r < codes.length; r++) {
      codes[r] = held[r] ? VALIDATION : TRAIN;
    }
    return codes;
  }

  /**
   * The seed of one user's stream in a {@link SplitMethod#HASH_RATIO} split: SplitMix64's finaliser
   * of the stream seed plus the golden-ratio increment times {@code user + 1}, a function of the
   * two alone.
   */
  static long userSeed(long streamSeed, int user) {
    long z = streamSeed + 0x9E3779B97F4A7C15L * (user + 1L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** For each row of {@code a}, whether its pair occurs in {@code b}; both sorted by pair. */
  private static boolean[] pairsIn(InteractionTable a, InteractionTable b) {
    boolean[] in = new boolean[a.size()];
    int j = 0;
    for (int r = 0; r < a.size(); r++) {
      long key = pairKey(a.userIds()[r], a.itemIds()[r]);
      while (j < b.size() && pairKey(b.userIds()[j], b.itemIds()[j]) < key) {
        j++;
      }
      in[r] = j < b.size() && pairKey(b.userIds()[j], b.itemIds()[j]) == key;
    }
    return in;
  }

  private static long pairKey(int user, int item) {
    return ((long) user << 32) | (item & 0xffffffffL);
  }

  private static InteractionTable applyUnseen(
      InteractionTable t,
      boolean[] seenUser,
      boolean[] seenItem,
      UnseenPolicy policy,
      long[] unseen) {
    boolean[] bad = new boolean[t.size()];
    for (int r = 0; r < t.size(); r++) {
      bad[r] = !seenUser[t.userIds()[r]] || !seenItem[t.itemIds()[r]];
      unseen[0] += bad[r] ? 1 : 0;
    }
    return policy == UnseenPolicy.DROP ? select(t, bad, false) : t;
  }

  /** {@code map[old]} is the new id of a used id, -1 for an unused one. */
  private static int[] usedIdMap(int size, InteractionTable[] splits, boolean users) {
    int[] map = new int[size];
    Arrays.fill(map, -1);
    for (InteractionTable t : splits) {
      if (t != null) {
        for (int id : users ? t.userIds() : t.itemIds()) {
          map[id] = 0;
        }
      }
    }
    int next = 0;
    for (int k = 0; k < size; k++) {
      if (map[k] == 0) {
        map[k] = next++;
      }
    }
    return map;
  }

  private static int count(int[] map) {
    int n = 0;
    for (int v : map) {
      n += v >= 0 ? 1 : 0;
    }
    return n;
  }

  private static InteractionTable remap(InteractionTable t, int[] userMap, int[] itemMap) {
    int[] u = new int[t.size()];
    int[] i = new int[t.size()];
    for (int r = 0; r < u.length; r++) {
      u[r] = userMap[t.userIds()[r]];
      i[r] = itemMap[t.itemIds()[r]];
    }
    return new InteractionTable(u, i, t.timestamps(), t.weights());
  }

  private static String[] remapNames(String[] names, int[] map, int kept) {
    String[] out = new String[kept];
    for (int k = 0; k < map.length; k++) {
      if (map[k] >= 0) {
        out[map[k]] = names[k];
      }
    }
    return out;
  }
}
