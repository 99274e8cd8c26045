# Settings for a cbns JVM, sourced by ./cbns and the benchmark scripts (see docs/PERFORMANCE.md,
# "Session 4" and "Session 6", and docs/RELIABILITY.md). A value already set in the environment
# wins.

# MKL conditional numerical reproducibility: the same run gives the same numbers (RELIABILITY.md)
export MKL_CBWR="${MKL_CBWR:-AUTO}"
# glibc malloc: one arena, no mmap for blocks under 1 GiB, no trimming of freed memory. PyTorch's
# CPU allocator takes every tensor from malloc; with glibc's defaults each step's [B, C] logits
# and their gradients (4-16 MiB) come as fresh pages from the kernel, zeroed and faulted in one by
# one (about 3,600 page faults per in-batch step, a quarter of the process's CPU time in the
# kernel). With these the memory is reused: RSS stays at the peak of native use instead of
# shrinking after it.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-1}"
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-1073741824}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-4294967296}"

# The JVM's garbage collector, unless CBNS_JAVA_OPTS picks one: the parallel (throughput) collector.
# Training keeps little on the Java heap (the data is in Arrow buffers, the tensors in PyTorch), and
# G1's concurrent threads and barriers take cycles from PyTorch's intra-op threads, which wait for
# each other: with G1 an in-batch Gowalla step took 19.1-19.2 ms (median), with this 16.5-16.9 ms.
case " ${CBNS_JAVA_OPTS:-} " in
  *" -XX:+Use"*"GC "*) CBNS_GC_OPTS="" ;;
  *) CBNS_GC_OPTS="-XX:+UseParallelGC" ;;
esac

# The JIT, unless CBNS_JAVA_OPTS sets the tiers: C1 only (-XX:TieredStopAtLevel=1). A training
# step is native arithmetic with a thin layer of Java around it, so C2's better code gains nothing
# there, while its compiler threads (0.36 s of CPU in 10 s of training, measured early in a run)
# take a core from PyTorch's two intra-op threads, which then wait for each other. In-batch
# Gowalla steps (mean of 300 after 100): 15.3-16.2 ms against 17.0-22.7 ms (4 alternated rounds,
# each won); youtube-dnn medians 44.4 and 48.5 ms against 48.3 and 49.8; the embedded default
# `./cbns train` 20-23 s against 25-26 s in all, with identical parameters (docs/PERFORMANCE.md,
# "Session 6").
case " ${CBNS_JAVA_OPTS:-} " in
  *"Tiered"*) CBNS_JIT_OPTS="" ;;
  *) CBNS_JIT_OPTS="-XX:TieredStopAtLevel=1" ;;
esac
