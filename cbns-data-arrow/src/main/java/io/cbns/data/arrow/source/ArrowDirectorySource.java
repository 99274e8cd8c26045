package io.cbns.data.arrow.source;

import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.data.DatasetContext;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.spi.DatasetSourceFactory;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.data.arrow.format.DatasetReader;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * {@code data.source: arrow}: an existing dataset directory ({@code path}, required), e.g. one
 * written by {@code cbns import}. With {@code stream-passes: P} (default 0: off) a sharded train
 * split is streamed from its shards during training, each epoch in P passes that each hold a random
 * 1 / P of it, instead of being held in memory ({@link ArrowInteractionDataset#openStreaming}).
 */
public final class ArrowDirectorySource implements DatasetSourceFactory {
  @Override
  public String name() {
    return "arrow";
  }

  @Override
  public String description() {
    return "an existing Arrow dataset directory (option path), e.g. written by `cbns import`";
  }

  @Override
  public InteractionDataset open(DatasetContext ctx, Options options) {
    String raw = options.requireString("path");
    Path dir;
    try {
      dir = Path.of(raw).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new ConfigException(options.keyPath("path"), "not a valid path: " + e.getMessage());
    }
    if (!Files.isDirectory(dir)) {
      throw new ConfigException(
          options.keyPath("path"),
          "no such directory: "
              + dir
              + " (given as '"
              + raw
              + "'); create it with `./cbns import`");
    }
    int passes = options.getInt("stream-passes", 0, 0, 1024);
    if (passes == 0) {
      return ArrowInteractionDataset.open(dir);
    }
    if (DatasetReader.readManifest(dir).train().shards().isEmpty()) {
      throw new ConfigException(
          options.keyPath("stream-passes"),
          "the train split of "
              + dir
              + " is one file, so there is nothing to stream; re-import it in shards (`cbns"
              + " import ... --set shard-rows=1000000`, or `cbns-spark import`), or leave"
              + " stream-passes out");
    }
    return ArrowInteractionDataset.openStreaming(dir, passes);
  }
}
