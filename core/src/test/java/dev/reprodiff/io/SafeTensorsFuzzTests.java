package dev.reprodiff.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.reprodiff.io.SafeTensorsTests.concat;
import static dev.reprodiff.io.SafeTensorsTests.direct;
import static dev.reprodiff.io.SafeTensorsTests.header;
import static dev.reprodiff.io.SafeTensorsTests.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded mutations of valid files: each mutated file must either load to exactly the tensors its header describes,
 * or fail with a {@link SafeTensorsException}; never another exception, a crash, or a different tensor.
 */
class SafeTensorsFuzzTests {

    private static final long SEED = 0x5afe7e2507L;
    private static final int ITERATIONS = 3000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> DTYPES =
            List.of("F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL", "F8_E4M3", "f32", "");
    private static final Map<String, Integer> ITEM_SIZES = Map.of("F64", 8, "F32", 4, "F16", 2, "BF16", 2,
            "I64", 8, "I32", 4, "I16", 2, "I8", 1, "U8", 1, "BOOL", 1);

    @TempDir
    Path dir;

    @Test
    void mutatedFilesLoadAsTheirHeaderSaysOrFailWithSafeTensorsException(TestReporter reporter) throws IOException {
        Random random = new Random(SEED);
        List<byte[]> seeds = seedFiles();
        int loaded = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int i = 0; i < ITERATIONS; i++) {
                byte[] bytes = seeds.get(random.nextInt(seeds.size()));
                StringBuilder mutations = new StringBuilder();
                for (int n = 1 + random.nextInt(2); n > 0; n--) {
                    bytes = mutate(bytes, random, mutations);
                }
                // A new file each time: ext4 flushes a file that is truncated and rewritten when it is closed.
                Path file = Files.write(dir.resolve("fuzz" + i + ".safetensors"), bytes);
                String context = "iteration " + i + " of seed " + SEED + " (" + mutations + ")";
                loaded += check(file, bytes, manager, random, context) ? 1 : 0;
                Files.delete(file);
            }
        }
        reporter.publishEntry("loaded", loaded + " of " + ITERATIONS + " mutated files");
        // Both outcomes must be common, or the mutations test only one side.
        assertThat(loaded).isBetween(ITERATIONS / 20, ITERATIONS * 19 / 20);
    }

    /** Whether the file loaded; fails the test on any outcome but a faithful load or a SafeTensorsException. */
    private boolean check(Path file, byte[] bytes, NDManager parent, Random random, String context) {
        SafeTensorsHeader header = attempt(() -> SafeTensors.readHeader(file), file, context);
        if (header != null && !header.tensors().isEmpty()) {
            TensorInfo tensor = header.tensors().get(random.nextInt(header.tensors().size()));
            if (tensor.dtype().isFloating() && tensor.dtype() != DataType.FLOAT64) {
                float[] values = attempt(() -> SafeTensors.readFloats(file, tensor.name()), file, context);
                assertThat(values).as(context).isNotNull().hasSize((int) tensor.shape().size());
            }
        }
        try (NDManager manager = parent.newSubManager()) {
            Map<String, NDArray> arrays = attempt(() -> SafeTensors.load(file, manager), file, context);
            if (arrays == null) {
                return false;
            }
            assertThat(header).as(context + ": loaded, but readHeader failed").isNotNull();
            assertDescribedByHeader(arrays, bytes, context);
            return true;
        }
    }

    /** The oracle: the tensors that the JSON header, parsed here on its own, describes, byte for byte. */
    private static void assertDescribedByHeader(Map<String, NDArray> arrays, byte[] bytes, String context) {
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        int dataStart = (int) (8 + headerLength);
        ObjectNode json;
        try {
            json = (ObjectNode) JSON.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError(context + ": loaded, but the header is not JSON", e);
        }
        json.remove("__metadata__");
        assertThat(arrays.keySet()).as(context).containsExactlyElementsOf(iterable(json.fieldNames()));
        List<long[]> ranges = new ArrayList<>();
        for (Map.Entry<String, NDArray> entry : arrays.entrySet()) {
            JsonNode described = json.get(entry.getKey());
            NDArray array = entry.getValue();
            long[] shape = JSON.convertValue(described.get("shape"), long[].class);
            long[] offsets = JSON.convertValue(described.get("data_offsets"), long[].class);
            String dtype = described.get("dtype").textValue();
            String what = context + ", tensor " + entry.getKey();
            assertThat(Dtypes.name(array.getDataType())).as(what).isEqualTo(dtype);
            assertThat(array.getShape()).as(what).isEqualTo(new Shape(shape));
            assertThat(offsets[1] - offsets[0]).as(what).isEqualTo(array.getShape().size() * ITEM_SIZES.get(dtype));
            assertThat(array.toByteArray()).as(what).isEqualTo(
                    Arrays.copyOfRange(bytes, dataStart + (int) offsets[0], dataStart + (int) offsets[1]));
            ranges.add(offsets);
        }
        ranges.sort(Comparator.<long[]>comparingLong(r -> r[0]).thenComparingLong(r -> r[1]));
        long covered = 0;
        for (long[] range : ranges) {
            assertThat(range[0]).as(context + ": the tensors tile the data section").isEqualTo(covered);
            covered = range[1];
        }
        assertThat(covered).as(context + ": the tensors cover the data section").isEqualTo(bytes.length - dataStart);
    }

    @FunctionalInterface
    private interface Read<T> {
        T read() throws IOException;
    }

    /** The result, or null after a SafeTensorsException naming the file; any other throwable fails the test. */
    private static <T> T attempt(Read<T> read, Path file, String context) {
        try {
            return read.read();
        } catch (SafeTensorsException e) {
            assertThat(e.getMessage()).as(context).contains(file.toString());
            return null;
        } catch (Throwable e) {
            return fail(context + ": expected a faithful load or a SafeTensorsException but got " + e, e);
        }
    }

    private static byte[] mutate(byte[] bytes, Random random, StringBuilder log) {
        int headerEnd = (int) Math.min(bytes.length, 8 + Math.max(0, headerLength(bytes)));
        switch (random.nextInt(8)) {
            case 0:
                return flip(bytes, 8, headerEnd, random, log.append("header bit flip "));
            case 1:
                return flip(bytes, headerEnd, bytes.length, random, log.append("data bit flip "));
            case 2:
                return flip(bytes, 0, Math.min(8, bytes.length), random, log.append("length bit flip "));
            case 3: {
                int length = random.nextInt(bytes.length + 1);
                log.append("truncate to ").append(length).append(' ');
                return Arrays.copyOf(bytes, length);
            }
            case 4:
                return setHeaderLength(bytes, random, log);
            case 5: {
                byte[] extra = new byte[1 + random.nextInt(16)];
                random.nextBytes(extra);
                log.append("append ").append(extra.length).append(" bytes ");
                return concat(bytes, extra);
            }
            default:
                try {
                    return editJson(bytes, random, log);
                } catch (RuntimeException e) { // an earlier mutation left nothing this edit applies to
                    log.append("(edit not applicable) ");
                    return bytes;
                }
        }
    }

    private static byte[] flip(byte[] bytes, int from, int to, Random random, StringBuilder log) {
        if (from >= to) {
            log.append("(nothing to flip) ");
            return bytes;
        }
        byte[] flipped = bytes.clone();
        int at = from + random.nextInt(to - from);
        int bit = random.nextInt(8);
        flipped[at] ^= (byte) (1 << bit);
        log.append("at ").append(at).append(':').append(bit).append(' ');
        return flipped;
    }

    private static byte[] setHeaderLength(byte[] bytes, Random random, StringBuilder log) {
        if (bytes.length < 8) {
            return bytes;
        }
        long current = headerLength(bytes);
        long[] choices = {random.nextLong(), current + random.nextInt(33) - 16, bytes.length, bytes.length - 8, 0,
            -1, 100_000_001, random.nextInt(bytes.length)};
        long length = choices[random.nextInt(choices.length)];
        log.append("header length ").append(Long.toUnsignedString(length)).append(' ');
        byte[] changed = bytes.clone();
        ByteBuffer.wrap(changed).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
        return changed;
    }

    /** A change to one tensor entry (or the metadata) of a still-parseable header, then the file rebuilt. */
    private static byte[] editJson(byte[] bytes, Random random, StringBuilder log) {
        long headerLength = headerLength(bytes);
        if (bytes.length < 8 || headerLength < 0 || headerLength > bytes.length - 8) {
            log.append("(no header to edit) ");
            return bytes;
        }
        String text = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(bytes, (int) (8 + headerLength), bytes.length);
        ObjectNode json;
        try {
            json = (ObjectNode) JSON.readTree(text);
        } catch (IOException | ClassCastException e) {
            log.append("(header not JSON, insert garbage) ");
            return rebuild(text.substring(0, text.length() / 2) + "\"" + text.substring(text.length() / 2), data);
        }
        List<String> names = new ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        names.remove("__metadata__");
        if (names.isEmpty()) {
            json.putObject("__metadata__").put("n", random.nextInt(3));
            log.append("metadata number ");
            return rebuild(json.toString(), data);
        }
        String name = names.get(random.nextInt(names.size()));
        ObjectNode tensor = (ObjectNode) json.get(name);
        log.append("edit ").append(name).append(": ");
        switch (random.nextInt(9)) {
            case 0: {
                ArrayNode offsets = (ArrayNode) tensor.get("data_offsets");
                int which = random.nextInt(2);
                long delta = random.nextInt(17) - 8;
                offsets.set(which, offsets.get(which).longValue() + delta);
                log.append("data_offsets[").append(which).append("] += ").append(delta);
                break;
            }
            case 1: {
                ArrayNode shape = tensor.withArray("shape");
                if (shape.isEmpty() || random.nextBoolean()) {
                    shape.insert(random.nextInt(shape.size() + 1), random.nextInt(3));
                    log.append("insert dimension");
                } else {
                    int at = random.nextInt(shape.size());
                    long[] values = {shape.get(at).longValue() + 1, shape.get(at).longValue() - 1, 0, -1, 1L << 40};
                    shape.set(at, values[random.nextInt(values.length)]);
                    log.append("shape ").append(shape);
                }
                break;
            }
            case 2: {
                if (!tensor.withArray("shape").isEmpty()) {
                    tensor.withArray("shape").remove(random.nextInt(tensor.withArray("shape").size()));
                }
                log.append("remove dimension");
                break;
            }
            case 3: {
                String dtype = DTYPES.get(random.nextInt(DTYPES.size()));
                tensor.put("dtype", dtype);
                log.append("dtype ").append(dtype);
                break;
            }
            case 4: {
                String field = List.of("dtype", "shape", "data_offsets").get(random.nextInt(3));
                tensor.remove(field);
                log.append("remove ").append(field);
                break;
            }
            case 5: {
                String field = List.of("dtype", "shape", "data_offsets").get(random.nextInt(3));
                JsonNode[] wrong = {JSON.getNodeFactory().textNode("4"), JSON.getNodeFactory().numberNode(4.5),
                    JSON.createObjectNode(), JSON.createArrayNode().add("a"), JSON.getNodeFactory().nullNode()};
                JsonNode value = wrong[random.nextInt(wrong.length)];
                tensor.set(field, value);
                log.append(field).append(" = ").append(value);
                break;
            }
            case 6: {
                String other = names.get(random.nextInt(names.size()));
                log.append("rename to ").append(other).append(" (duplicate key)");
                String renamed = json.toString().replace("\"" + name + "\":", "\"" + other + "\":");
                return rebuild(renamed, data);
            }
            case 7: {
                json.set(name, JSON.getNodeFactory().textNode("F32"));
                log.append("replace entry with a string");
                break;
            }
            default: {
                ObjectNode metadata = json.has("__metadata__") && json.get("__metadata__").isObject()
                        ? (ObjectNode) json.get("__metadata__") : json.putObject("__metadata__");
                if (random.nextBoolean()) {
                    metadata.put("k", "v");
                    log.append("metadata string");
                } else {
                    metadata.put("k", 1);
                    log.append("metadata number");
                }
                break;
            }
        }
        log.append(' ');
        return rebuild(json.toString(), data);
    }

    private static byte[] rebuild(String json, byte[] data) {
        return concat(header(json), data);
    }

    private static long headerLength(byte[] bytes) {
        return bytes.length < 8 ? -1 : ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** Valid files to start from: every dtype, a scalar, an empty tensor, metadata, BF16 and I16. */
    private List<byte[]> seedFiles() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        DataType[][] groups = {
            {DataType.FLOAT32, DataType.FLOAT16, DataType.BOOLEAN},
            {DataType.FLOAT64, DataType.INT64, DataType.UINT8, DataType.INT32},
            {DataType.INT8, DataType.FLOAT32, DataType.BOOLEAN, DataType.FLOAT16, DataType.INT64},
        };
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int g = 0; g < groups.length; g++) {
                Map<String, NDArray> tensors = new LinkedHashMap<>();
                for (int t = 0; t < groups[g].length; t++) {
                    long[] shape = t == 0 ? new long[] {2, 3} : t == 1 ? new long[] {4} : new long[] {t, 2};
                    byte[] bytes = randomBytes(groups[g][t], (int) new Shape(shape).size(), 31L * g + t);
                    tensors.put("block." + g + ".w" + t, manager.create(direct(bytes), new Shape(shape), groups[g][t]));
                }
                tensors.put("scalar", manager.create((float) g));
                tensors.put("empty", manager.create(new Shape(0, 2), DataType.FLOAT32));
                Path file = dir.resolve("seed" + g + ".safetensors");
                SafeTensors.save(file, tensors, g == 1 ? null : Map.of("format", "pt"));
                seeds.add(Files.readAllBytes(file));
            }
        }
        seeds.add(rebuild("{\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"s\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[4,6]},"
                + "\"f\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[6,10]}}",
                randomBytes(DataType.INT8, 10, 9)));
        return seeds;
    }

    private static <T> Iterable<T> iterable(Iterator<T> iterator) {
        List<T> list = new ArrayList<>();
        iterator.forEachRemaining(list::add);
        return list;
    }
}
