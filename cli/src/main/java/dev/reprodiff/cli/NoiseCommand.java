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
import dev.reprodiff.random.RandomTensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

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
final class NoiseCommand implements Callable<Integer> {

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

    @Option(names = "--seed", split = ",", paramLabel = "S",
            description = "Seed, or comma-separated seeds (one per batch item). Default: a fresh seed, printed.")
    List<Long> seeds = new ArrayList<>();

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
        List<Generator> generators = SeedOptions.generators(seeds);
        try (NDManager manager = PyTorchEngine.newManager()) {
            NDArray noise = generators.size() == 1
                    ? draw(generators.get(0), dims, manager)
                    : drawPerItem(generators, dims, manager);
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("op", op.name());
            metadata.put("dtype", dtype.name());
            metadata.put("seeds", SeedOptions.describe(generators));
            metadata.put("generators", generators.size() == 1 ? "one for the whole shape" : "one per batch item");
            metadata.put("producer", "reprodiff noise (torch.Generator(\"cpu\") semantics)");
            SafeTensors.save(out, Map.of("noise", noise), metadata);
            double sum = noise.abs().sum().toType(DataType.FLOAT64, false).getDouble();
            spec.commandLine().getOut().printf(Locale.ROOT, "%s %s %s with seed%s %s (%s)%nsum(|noise|) = %.4f%nwrote %s%n",
                    op, dtype, dims, generators.size() == 1 ? "" : "s", SeedOptions.describe(generators),
                    metadata.get("generators"), sum, out);
        }
        return 0;
    }


    private NDArray draw(Generator generator, Shape dims, NDManager manager) {
        return op == Op.randn
                ? generator.randn(manager, dims, dtype.dataType)
                : generator.rand(manager, dims, dtype.dataType);
    }

    private NDArray drawPerItem(List<Generator> generators, Shape dims, NDManager manager) {
        if (op == Op.randn) {
            return RandomTensors.randnTensor(dims, generators, dtype.dataType, manager);
        }
        RandomTensors.requireOneGeneratorPerImage(dims, generators.size());
        Shape slice = new Shape(1).addAll(dims.slice(1));
        NDList slices = new NDList();
        generators.forEach(generator -> slices.add(draw(generator, slice, manager)));
        return NDArrays.concat(slices);
    }

}
