package io.cbns.samplers.drift;

import io.cbns.core.config.Options;
import io.cbns.core.spi.ListenerFactory;
import io.cbns.core.train.ListenerContext;
import io.cbns.core.train.TrainingListener;
import java.util.Optional;

/**
 * The {@code drift} listener: a {@link FeatureDriftMonitor} writing {@code drift.csv} into the run
 * directory when the {@code drift} section says {@code enabled: true} (default false). Its other
 * keys are the monitor's ({@link FeatureDriftMonitor#fromOptions}); all of them are read, on or
 * off, so that a typo is reported either way.
 */
public final class DriftMonitorFactory implements ListenerFactory {
  public static final String NAME = "drift";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "feature drift of the item tower into drift.csv (drift.enabled: true)";
  }

  @Override
  public Optional<TrainingListener> create(ListenerContext ctx, Options options) {
    boolean enabled = options.getBoolean("enabled", false);
    FeatureDriftMonitor monitor =
        FeatureDriftMonitor.fromOptions(ctx.runDirectory(), ctx.seed(), ctx.manager(), options);
    if (!enabled) {
      monitor.close();
      return Optional.empty();
    }
    return Optional.of(monitor);
  }
}
