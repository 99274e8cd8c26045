package io.cbns.samplers.crossbatch;

/** What the memory bank keeps of each enqueued item. */
public enum BankMode {
  /**
   * The item's embedding as computed in its step, detached, with its id and log q (the paper's
   * bank). Bank columns carry no gradient; no encoder work at use time.
   */
  EMBEDDINGS("embeddings"),
  /**
   * Only the id and log q; the ids are re-encoded with gradient through the item encoder when the
   * bank is used, so bank columns are fresh and train the item tower. Cheap when the item tower is
   * an id lookup; costs an item-tower pass over M items per step otherwise.
   */
  IDS("ids");

  private final String configName;

  BankMode(String configName) {
    this.configName = configName;
  }

  /** The spelling in the configuration ({@code sampler.mode}). */
  public String configName() {
    return configName;
  }
}
