package dev.reprodiff.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.io.SafeTensors;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.Noise;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code reprodiff noise}: the noise torch.randn / torch.rand draws for a seed, written as safetensors. */
@Command(name = "noise", mixinStandardHelpOptions = true,
        description = {"Writes the noise that torch.Generator(\"cpu\").manual_seed(S) draws, as a safetensors file"
                + " holding one tensor named 'noise', to compare Python and Java noise.",
                "One seed: one generator draws the whole shape. Several seeds: one generator per batch item"
                        + " (diffusers' randn_tensor with a list of generators)."})
final class NoiseCommand implements Callable<Integer>, CliErrors.Sized {

    enum Op { randn, rand }

    enum Dtype {
        float32(DataType.FLOAT32), float64(DataType.FLOAT64);

        final DataType dataType;

        Dtype(DataType dataType) {
            this.dataType = dataType;
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--seed", paramLabel = "S[,S...]",
            description = "Seed, or comma-separated seeds (one per batch item). Default: a fresh seed, printed.")
    List<String> seeds = new ArrayList<>();

    @Option(names = "--shape", split = ",", required = true, paramLabel = "D",
            description = "Comma-separated dimensions, for example 1,4,64,64.")
    List<Long> shape;

    @Option(names = "--op", defaultValue = "randn", description = "randn (standard normal) or rand (uniform [0, 1)).")
    Op op;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32 or float64.")
    Dtype dtype;

    @Option(names = "--out", required = true, paramLabel = "FILE.safetensors", description = "Output file.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Shape dims = new Shape(shape.stream().mapToLong(Long::longValue).toArray());
        for (long dim : dims.getShape()) {
            if (dim < 0) {
                throw new IllegalArgumentException("--shape has a negative dimension: " + dims);
            }
        }
        OutputFile.check(out, List.of(".safetensors"));
        Noise.Seeded seeded = SeedOptions.noise(seeds).forBatch(dims);
        try (NDManager manager = PyTorchEngine.newManager()) {
            NDArray noise = op == Op.randn ? seeded.randn(dims, dtype.dataType, manager) : rand(seeded, dims, manager);
            String generators = seeded instanceof Noise.PerImage ? "one per batch item" : "one for the whole shape";
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("op", op.name());
            metadata.put("dtype", dtype.name());
            metadata.put("seeds", SeedOptions.describe(seeded.seeds()));
            metadata.put("generators", generators);
            metadata.put("producer", "reprodiff noise (torch.Generator(\"cpu\") semantics)");
            SafeTensors.save(out, Map.of("noise", noise), metadata);
            double sum = noise.abs().sum().toType(DataType.FLOAT64, false).getDouble();
            spec.commandLine().getOut().printf(Locale.ROOT, "%s %s %s with seed%s %s (%s)%nsum(|noise|) = %.4f%n"
                            + "wrote %s%n", op, dtype, dims, seeded.seeds().size() == 1 ? "" : "s",
                    metadata.get("seeds"), generators, sum, out);
        } catch (OutOfMemoryError e) {
            throw new CliErrors.OutOfMemory(e);
        }
        return 0;
    }

    @Override
    public String sizeAsked() {
        return "the noise of shape " + new Shape(shape.stream().mapToLong(Long::longValue).toArray()) + " " + dtype
                + " (" + CliErrors.bytes(bytesAsked()) + ")";
    }

    @Override
    public long bytesAsked() {
        try {
            long elements = 1;
            for (long dim : shape) {
                elements = Math.multiplyExact(elements, dim);
            }
            return Math.multiplyExact(elements, dtype == Dtype.float32 ? 4 : 8);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** {@code torch.rand} from the one generator, or one {@code (1, ...)} slice per generator. */
    private NDArray rand(Noise.Seeded seeded, Shape dims, NDManager manager) {
        if (seeded instanceof Noise.PerImage perImage) {
            Shape slice = new Shape(1).addAll(dims.slice(1));
            NDList slices = new NDList();
            perImage.generators().forEach(generator -> slices.add(generator.rand(manager, slice, dtype.dataType)));
            return NDArrays.concat(slices);
        }
        Generator generator = ((Noise.Batch) seeded).generator();
        return generator.rand(manager, dims, dtype.dataType);
    }
}
