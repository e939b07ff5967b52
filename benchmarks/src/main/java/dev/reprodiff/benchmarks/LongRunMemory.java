package dev.reprodiff.benchmarks;

import ai.djl.ndarray.NDManager;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.models.UNet2DModel;
import dev.reprodiff.pipelines.DDPMPipeline;
import dev.reprodiff.pipelines.ImagePipelineOptions;
import dev.reprodiff.pipelines.ImagePipelineOutput;
import dev.reprodiff.pipelines.OutputType;
import dev.reprodiff.random.Generator;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Runs a long DDPM pipeline call on the real cifar10-32 architecture and prints, as it goes, the process's resident
 * memory beside native memory in use (glibc's malloc counters: libtorch's tensors among it), the Java heap (committed,
 * and used) and the JVM's other managed areas (metaspace, code cache). A run whose steps free what they allocate keeps native
 * memory flat after the first steps, however the heap grows or shrinks. Usage:
 * {@code benchmarks/run-main LongRunMemory [steps]} (default 500; any count from 1).
 */
public final class LongRunMemory {

    /**
     * One reading, in KiB: the resident set; native memory in use, as glibc's {@code mallinfo2()} counts it (what
     * libtorch's CPU allocator, the JVM's own mallocs and direct buffers hold, whether or not the Java heap is
     * resident); the Java heap committed and used; the JVM's non-heap areas committed.
     */
    record Sample(long rss, long nativeKiB, long heapCommitted, long heapUsed, long nonHeapCommitted) {
    }

    /** glibc's {@code struct mallinfo2}: ten {@code size_t} counters. */
    @Structure.FieldOrder({"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost"})
    public static class MallInfo2 extends Structure implements Structure.ByValue {
        public long arena;
        public long ordblks;
        public long smblks;
        public long hblks;
        public long hblkhd;
        public long usmblks;
        public long fsmblks;
        public long uordblks;
        public long fordblks;
        public long keepcost;
    }

    /** glibc, for {@code mallinfo2()} (glibc 2.33 and later). */
    interface LibC extends Library {
        MallInfo2 mallinfo2();
    }

    public static void main(String[] args) throws IOException {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        if (steps < 1) {
            throw new IllegalArgumentException("LongRunMemory needs at least 1 step, but was given " + steps);
        }
        try (NDManager manager = PyTorchEngine.newManager();
             UNet2DModel unet = Cifar10.unet(manager);
             DDPMPipeline pipeline = new DDPMPipeline(unet, Cifar10.scheduler())) {
            Sample[] samples = new Sample[steps + 1];
            long start = System.nanoTime();
            ImagePipelineOptions options = DDPMPipeline.options().batchSize(1).generator(Generator.seeded(0))
                    .numInferenceSteps(steps).outputType(OutputType.LATENT)
                    .callback((index, t, latents) -> samples[index + 1] = sample());
            samples[0] = sample();
            try (ImagePipelineOutput output = pipeline.call(options)) {
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.println("MiB after step    RSS   native (malloc)   heap committed   heap used   non-heap");
                for (int i : checkpoints(steps)) {
                    Sample s = samples[i];
                    System.out.printf(Locale.ROOT, "%14d %6.1f %17.1f %16.1f %11.1f %10.1f%n", i, mib(s.rss()),
                            mib(s.nativeKiB()), mib(s.heapCommitted()), mib(s.heapUsed()),
                            mib(s.nonHeapCommitted()));
                }
                int half = Math.max(1, steps / 2);
                System.out.printf(Locale.ROOT, "%d steps in %.1f s; over the second half (step %d to %d): RSS %+.1f"
                        + " MiB, native %+.1f MiB, heap committed %+.1f MiB%n", steps, seconds, half, steps,
                        mib(samples[steps].rss() - samples[half].rss()),
                        mib(samples[steps].nativeKiB() - samples[half].nativeKiB()),
                        mib(samples[steps].heapCommitted() - samples[half].heapCommitted()));
                System.out.println("final latents sum: " + output.latents().sum().getFloat());
            }
        }
    }

    /** The steps reported: 1, 10 and each quarter, those that a run of {@code steps} has, in order. */
    static int[] checkpoints(int steps) {
        return IntStream.of(1, 10, steps / 4, steps / 2, 3 * steps / 4, steps).filter(i -> i >= 1 && i <= steps)
                .distinct().sorted().toArray();
    }

    private static Sample sample() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        MemoryUsage heap = memory.getHeapMemoryUsage();
        return new Sample(residentKiB(), mallocInUseKiB(), heap.getCommitted() / 1024, heap.getUsed() / 1024,
                memory.getNonHeapMemoryUsage().getCommitted() / 1024);
    }

    /** Bytes handed out by malloc, from arenas ({@code uordblks}) and mmapped chunks ({@code hblkhd}); -1 off glibc. */
    private static long mallocInUseKiB() {
        try {
            MallInfo2 info = Native.load("c", LibC.class).mallinfo2();
            return (info.uordblks + info.hblkhd) / 1024;
        } catch (UnsatisfiedLinkError e) {
            return -1;
        }
    }

    private static double mib(long kib) {
        return kib / 1024.0;
    }

    private static long residentKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
