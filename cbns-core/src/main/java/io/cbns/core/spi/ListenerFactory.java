package io.cbns.core.spi;

import io.cbns.core.config.Options;
import io.cbns.core.train.ListenerContext;
import io.cbns.core.train.TrainingListener;
import java.util.Optional;

/**
 * Creates a training listener that watches a run (the feature-drift monitor, say). Unlike the other
 * kinds, which are chosen by name, every discovered listener factory is asked on every run: it gets
 * the configuration section named after it ({@code drift:} for the factory {@code drift}) and
 * decides from it whether to listen, usually through an {@code enabled} key.
 *
 * <p>The runner adds the listener to the trainer; when it is also {@link
 * io.cbns.core.checkpoint.Checkpointable} its state goes into checkpoints under the factory's name,
 * and when it is {@link AutoCloseable} it is closed after training (also when training fails).
 */
public interface ListenerFactory extends NamedFactory {
  /**
   * @param ctx the run directory, the seed and a manager for long-lived arrays
   * @param options the section named {@link #name()}; read every key you support, also when you
   *     return empty, so that a typo is reported whether or not the listener is on
   * @return the listener, or empty when the section does not turn it on
   * @throws io.cbns.core.config.ConfigException for a bad option
   */
  Optional<TrainingListener> create(ListenerContext ctx, Options options);
}
