package io.cbns.spark;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class TestSparkOptions {
  @Test
  void aLocalMastersThreadsSizeItsShufflePartitions() {
    assertThat(SparkMain.SparkOptions.localCores("local")).isEqualTo(1);
    assertThat(SparkMain.SparkOptions.localCores("local[2]")).isEqualTo(2);
    assertThat(SparkMain.SparkOptions.localCores("local[3,2]")).isEqualTo(3);
    assertThat(SparkMain.SparkOptions.localCores("local[*]"))
        .isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(SparkMain.SparkOptions.localCores("local-cluster[2,1,1024]")).isEqualTo(1);
  }
}
