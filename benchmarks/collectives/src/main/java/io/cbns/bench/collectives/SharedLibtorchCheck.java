package io.cbns.bench.collectives;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.training.GradientCollector;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Checks that DJL's PyTorch engine and the JavaCPP PyTorch presets of the same PyTorch version can
 * run on one libtorch in one JVM, and that a DJL array is then a presets {@code Tensor} without a
 * copy: what a trainer needs to hand DJL's gradients to c10d collectives in place.
 *
 * <p>The presets load their libtorch first (extracted into JavaCPP's cache); DJL is then pointed at
 * the same files ({@code PYTORCH_LIBRARY_PATH}), so the dynamic loader maps each library once. Two
 * different libtorch builds in one process fail (documented in docs/SCALE.md).
 */
public final class SharedLibtorchCheck {
  private SharedLibtorchCheck() {}

  public static void main(String[] args) throws IOException {
    String presetsLibs = Loader.load(torch.class);
    File dir = new File(presetsLibs).getParentFile();
    System.setProperty("PYTORCH_LIBRARY_PATH", dir.getPath());
    System.setProperty("PYTORCH_VERSION", "2.5.1");
    System.setProperty("PYTORCH_FLAVOR", "cpu");

    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      System.out.println("DJL engine: PyTorch " + Engine.getEngine("PyTorch").getVersion());
      TreeSet<String> mapped = new TreeSet<>();
      for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
        int at = line.indexOf('/');
        if (at >= 0 && line.contains("libtorch_cpu")) {
          mapped.add(line.substring(at));
        }
      }
      System.out.println("libtorch_cpu files mapped: " + mapped);
      check(mapped.size() == 1, "expected one libtorch_cpu mapped, found " + mapped);

      // 1. a DJL array is a presets tensor: same values, and an in-place change shows in DJL
      NDArray array = manager.arange(0f, 12f).reshape(3, 4);
      Tensor view = wrap(array);
      check(view.numel() == 12 && view.sum().item_float() == 66f, "the presets see other values");
      view.add_(new Scalar(1f));
      check(array.sum().getFloat() == 78f, "DJL does not see the in-place change");

      // 2. a gradient from DJL's autograd, scaled in place as an all-reduce (sum) over two
      //    identical ranks would, then used by DJL
      NDArray weight = manager.create(new float[] {1f, 2f, 3f});
      weight.setRequiresGradient(true);
      try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
        collector.backward(weight.mul(weight).sum());
      }
      wrap(weight.getGradient()).mul_(new Scalar(2f));
      // read back through a fresh DJL handle on the parameter's gradient
      float[] summed = weight.getGradient().toFloatArray();
      check(
          summed[0] == 4f && summed[1] == 8f && summed[2] == 12f,
          "gradient after the in-place sum: " + java.util.Arrays.toString(summed));
      System.out.println("shared: DJL arrays and gradients are presets tensors, in place");
    }
  }

  /** The presets' view of a DJL array: DJL's handle is the address of a {@code torch::Tensor}. */
  private static Tensor wrap(NDArray array) {
    long handle = ((PtNDArray) array).getHandle();
    return new Tensor(
        new Pointer() {
          {
            address = handle;
          }
        });
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new AssertionError(message);
    }
  }
}
