package io.cbns.models;

import static java.util.Objects.requireNonNull;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.cbns.core.AtomicFiles;
import io.cbns.core.CbnsException;
import io.cbns.core.model.TwoTowerModel;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UTFDataFormatException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Saves and loads a model's parameters ({@code block().saveParameters}) to and from a file, with a
 * small header so that a wrong file is recognised. Writes are atomic: the bytes go to a temporary
 * file in the target's folder, are flushed to disk, and then renamed over the target, so a reader
 * (or a crash mid-write) never sees a half-written checkpoint.
 *
 * <p>Stateless; concurrent saves to the same path are the caller's problem (the last rename wins).
 */
public final class ModelFiles {
  private static final String MAGIC = "cbns-model-parameters";
  private static final int FORMAT = 1;

  private ModelFiles() {}

  /** Writes the bytes of {@code body} to {@code target}. */
  @FunctionalInterface
  public interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Writes {@code model}'s parameters to {@code file} atomically, creating parent folders.
   *
   * @throws CbnsException when the file cannot be written
   */
  public static void save(TwoTowerModel model, Path file) {
    requireNonNull(model, "model is null");
    writeAtomically(
        file,
        out -> {
          DataOutputStream dos = new DataOutputStream(out);
          dos.writeUTF(MAGIC);
          dos.writeInt(FORMAT);
          model.block().saveParameters(dos);
          dos.flush();
        });
  }

  /**
   * Replaces {@code model}'s parameter values with those saved in {@code file}. The model must have
   * the same tower type, sizes and shape-determining options as the one saved.
   *
   * <p>The towers of this module load in place: the parameter arrays keep their identity, so a
   * trainer's parameter store built before the load sees the new values.
   *
   * @throws CbnsException naming the file when it is missing, not a parameter file, or saved by a
   *     different model
   */
  public static void load(TwoTowerModel model, Path file) {
    requireNonNull(model, "model is null");
    requireNonNull(file, "file is null");
    Block block = model.block();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      DataInputStream dis = new DataInputStream(in);
      String magic;
      try {
        magic = dis.readUTF();
      } catch (EOFException | UTFDataFormatException e) {
        magic = "";
      }
      if (!MAGIC.equals(magic)) {
        throw new CbnsException(file + ": not a cbns model parameter file");
      }
      int format = dis.readInt();
      if (format != FORMAT) {
        throw new CbnsException(
            file
                + ": parameter file format "
                + format
                + " is not supported (expected "
                + FORMAT
                + ")");
      }
      block.loadParameters(managerOf(block), dis);
    } catch (MalformedModelException e) {
      throw new CbnsException(
          file + ": cannot load into this model: " + e.getMessage() + "; check model.* settings",
          e);
    } catch (EOFException e) {
      throw new CbnsException(file + ": truncated parameter file", e);
    } catch (IOException e) {
      throw new CbnsException(file + ": cannot read model parameters: " + e, e);
    }
  }

  /**
   * Writes {@code body} to a temporary file next to {@code target}, forces it to disk and renames
   * it over {@code target}. On failure the temporary file is removed and {@code target} is
   * untouched.
   *
   * @throws CbnsException naming the file when writing fails
   */
  public static void writeAtomically(Path target, Body body) {
    requireNonNull(target, "target is null");
    requireNonNull(body, "body is null");
    AtomicFiles.write(
        target.toAbsolutePath(),
        out -> {
          OutputStream buffered = new BufferedOutputStream(out, 1 << 16);
          body.writeTo(buffered);
          buffered.flush();
        });
  }

  private static NDManager managerOf(Block block) {
    for (Parameter p : block.getParameters().values()) {
      if (p.isInitialized()) {
        return p.getArray().getManager();
      }
    }
    throw new CbnsException("the model has no initialised parameters to load into");
  }
}
