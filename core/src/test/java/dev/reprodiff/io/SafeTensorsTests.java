package dev.reprodiff.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafeTensorsTests {

    @TempDir
    Path dir;

    private int files;

    @Nested
    class RoundTrip {

        @ParameterizedTest
        @EnumSource(value = DataType.class,
                names = {"FLOAT64", "FLOAT32", "FLOAT16", "INT64", "INT32", "INT8", "UINT8", "BOOLEAN"})
        void savesAndLoadsEveryEngineDtypeWithExactBytes(DataType dtype) throws IOException {
            byte[] bytes = randomBytes(dtype, 6, 7);
            Path file = dir.resolve("t.safetensors");
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray array = manager.create(direct(bytes), new Shape(2, 3), dtype);
                SafeTensors.save(file, Map.of("t", array), Map.of("format", "pt"));

                String dtypeName = Dtypes.name(dtype);
                assertThat(Files.readAllBytes(file)).isEqualTo(concat(
                        header("{\"t\":{\"dtype\":\"" + dtypeName + "\",\"shape\":[2,3],\"data_offsets\":[0,"
                                + bytes.length + "]},\"__metadata__\":{\"format\":\"pt\"}}"), bytes));
                NDArray loaded = SafeTensors.load(file, manager).get("t");
                assertThat(loaded.getDataType()).isEqualTo(dtype);
                assertThat(loaded.getShape()).isEqualTo(new Shape(2, 3));
                assertThat(loaded.getName()).isEqualTo("t");
                assertThat(loaded.toByteArray()).isEqualTo(bytes);
            }
        }

        @Test
        void keepsMapOrderScalarsEmptyTensorsAndMisalignedData() throws IOException {
            Path file = dir.resolve("mixed.safetensors");
            try (NDManager manager = NDManager.newBaseManager()) {
                Map<String, NDArray> tensors = new LinkedHashMap<>();
                tensors.put("z.bytes", manager.create(new byte[] {1, 2, 3}, new Shape(3)).toType(DataType.UINT8,
                        false));
                tensors.put("a.doubles", manager.create(new double[] {Math.PI, -0.0}));
                tensors.put("scalar", manager.create(2.5f));
                tensors.put("empty", manager.create(new Shape(0, 3), DataType.FLOAT32));
                SafeTensors.save(file, tensors, null);

                SafeTensorsHeader header = SafeTensors.readHeader(file);
                assertThat(header.names()).containsExactly("z.bytes", "a.doubles", "scalar", "empty");
                assertThat(header.metadata()).isEmpty();
                assertThat(header.tensor("a.doubles")).hasValue(
                        new TensorInfo("a.doubles", DataType.FLOAT64, new Shape(2), 3, 19));
                assertThat(header.tensor("empty")).hasValue(
                        new TensorInfo("empty", DataType.FLOAT32, new Shape(0, 3), 23, 23));
                Map<String, NDArray> loaded = SafeTensors.load(file, manager);
                assertThat(loaded.keySet()).containsExactly("z.bytes", "a.doubles", "scalar", "empty");
                assertThat(loaded.get("z.bytes").toUint8Array()).containsExactly(1, 2, 3);
                assertThat(loaded.get("a.doubles").toDoubleArray()).containsExactly(Math.PI, -0.0);
                assertThat(loaded.get("scalar").getShape()).isEqualTo(new Shape());
                assertThat(loaded.get("scalar").getFloat()).isEqualTo(2.5f);
                assertThat(loaded.get("empty").getShape()).isEqualTo(new Shape(0, 3));
            }
        }

        @Test
        void writesTheRowMajorOrderOfATransposedView() throws IOException {
            Path file = dir.resolve("transposed.safetensors");
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray transposed = manager.arange(6f).reshape(2, 3).transpose();
                SafeTensors.save(file, Map.of("t", transposed), Map.of());

                assertThat(SafeTensors.readFloats(file, "t")).containsExactly(0, 3, 1, 4, 2, 5);
                assertThat(SafeTensors.readHeader(file).tensor("t").orElseThrow().shape()).isEqualTo(new Shape(3, 2));
            }
        }

        @Test
        void loadedArraysOwnTheirMemory() throws IOException {
            Path file = dir.resolve("owned.safetensors");
            SafeTensors.saveFloats(file, Map.of("t", FloatTensor.of(1, 2, 3)), null);
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray loaded = SafeTensors.load(file, manager).get("t");
                loaded.addi(10); // in place: would crash the JVM on a read-only mapping
                Files.write(file, new byte[0]); // truncated in place: reading a mapping of it would crash the JVM
                System.gc(); // and unmaps buffers that nobody holds

                assertThat(loaded.toFloatArray()).containsExactly(11, 12, 13);
            }
        }

        @Test
        void loadsOnlyTheTensorsThatPassTheFilter() throws IOException {
            Path file = dir.resolve("some.safetensors");
            SafeTensors.saveFloats(file, Map.of("keep", FloatTensor.of(1), "skip", FloatTensor.of(2)), null);
            try (NDManager manager = NDManager.newBaseManager()) {
                assertThat(SafeTensors.load(file, manager, "keep"::equals)).containsOnlyKeys("keep");
            }
        }
    }

    @Nested
    class EngineFree {

        @Test
        void savesAndReadsFloatsWithTheirBits() throws IOException {
            float[] values = {1.5f, -0.0f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NEGATIVE_INFINITY,
                Float.intBitsToFloat(0x7f800001), Float.intBitsToFloat(0xffc12345)};
            Path file = dir.resolve("floats.safetensors");
            SafeTensors.saveFloats(file, Map.of("v", new FloatTensor(new long[] {7}, values),
                    "m", new FloatTensor(new long[] {1, 2}, new float[] {3, 4})), Map.of("k", "v"));

            assertThat(floatBits(SafeTensors.readFloats(file, "v"))).containsExactly(floatBits(values));
            assertThat(SafeTensors.readFloats(file, "m")).containsExactly(3, 4);
            assertThat(SafeTensors.readHeader(file).metadata()).containsExactly(Map.entry("k", "v"));
        }

        @Test
        void savesFloatsLargerThanTheWriteBuffer() throws IOException {
            float[] values = new float[100_003];
            for (int i = 0; i < values.length; i++) {
                values[i] = i * 0.5f - 7;
            }
            Path file = dir.resolve("large.safetensors");
            SafeTensors.saveFloats(file, Map.of("v", new FloatTensor(new long[] {1, 100_003}, values)), null);

            assertThat(Files.size(file)).isEqualTo(SafeTensors.readHeader(file).dataStart() + 400_012);
            assertThat(SafeTensors.readFloats(file, "v")).containsExactly(values);
        }

        @Test
        void widensFloat16LikeTheEngineForAllBitPatterns() throws IOException {
            Path file = dir.resolve("f16.safetensors");
            ByteBuffer halves = ByteBuffer.allocateDirect(65536 * 2).order(ByteOrder.nativeOrder());
            for (int i = 0; i < 65536; i++) {
                halves.putShort(i * 2, (short) i);
            }
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray array = manager.create(halves, new Shape(65536), DataType.FLOAT16);
                SafeTensors.save(file, Map.of("h", array), null);
                float[] expected = array.toType(DataType.FLOAT32, false).toFloatArray();

                float[] actual = SafeTensors.readFloats(file, "h");
                for (int i = 0; i < 65536; i++) {
                    if (Float.isNaN(expected[i])) {
                        assertThat(actual[i]).as("half 0x%04x", i).isNaN();
                    } else {
                        assertThat(Float.floatToRawIntBits(actual[i])).as("half 0x%04x", i)
                                .isEqualTo(Float.floatToRawIntBits(expected[i]));
                    }
                }
            }
        }

        @Test
        void readsBFloat16AndInt16HeadersButLoadsOnlyWhatTheEngineHolds() throws IOException {
            byte[] data = concat(shorts(0x3f80, 0xc040, 0x7f80), shorts(-2, 300));
            Path file = write("{\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                    + "\"s\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[6,10]}}", data);

            SafeTensorsHeader header = SafeTensors.readHeader(file);
            assertThat(header.tensors()).extracting(TensorInfo::dtype)
                    .containsExactly(DataType.BFLOAT16, DataType.INT16);
            assertThat(SafeTensors.readFloats(file, "b")).containsExactly(1f, -3f, Float.POSITIVE_INFINITY);
            assertThat(SafeTensors.readDoubles(file, "b")).containsExactly(1d, -3d, Double.POSITIVE_INFINITY);
            try (NDManager manager = NDManager.newBaseManager()) {
                assertThatThrownBy(() -> SafeTensors.load(file, manager))
                        .isInstanceOf(SafeTensorsException.class)
                        .hasMessage("Cannot load tensor \"b\" in " + file + ": it is BF16, which DJL's PyTorch engine "
                                + "cannot hold; it holds F64, F32, F16, I64, I32, I8, U8, BOOL. SafeTensors.readFloats "
                                + "widens BF16 to float32 exactly");
                assertThatThrownBy(() -> SafeTensors.load(file, manager, "s"::equals))
                        .isInstanceOf(SafeTensorsException.class)
                        .hasMessage("Cannot load tensor \"s\" in " + file + ": it is I16, which DJL's PyTorch engine "
                                + "cannot hold; it holds F64, F32, F16, I64, I32, I8, U8, BOOL");
                assertThat(SafeTensors.load(file, manager, name -> false)).isEmpty();
            }
        }

        @Test
        void readsDoublesButRefusesToRoundThemToFloats() throws IOException {
            ByteBuffer pi = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(0, Math.PI);
            Path file = write("{\"pi\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]}}", pi.array());

            assertThat(SafeTensors.readDoubles(file, "pi")).containsExactly(Math.PI);
            assertThatThrownBy(() -> SafeTensors.readFloats(file, "pi"))
                    .isInstanceOf(SafeTensorsException.class)
                    .hasMessage("Cannot read tensor \"pi\" in " + file + " as floats: it is F64, and rounding it to "
                            + "float32 would lose precision; use readDoubles");
        }

        @Test
        void refusesIntegerTensorsAndUnknownNames() throws IOException {
            Path file = write("{\"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);

            assertThatThrownBy(() -> SafeTensors.readFloats(file, "i"))
                    .isInstanceOf(SafeTensorsException.class)
                    .hasMessage("Cannot read tensor \"i\" in " + file + " as floats: it is I32, not F32, F16 or BF16");
            assertThatThrownBy(() -> SafeTensors.readDoubles(file, "i"))
                    .isInstanceOf(SafeTensorsException.class)
                    .hasMessage("Cannot read tensor \"i\" in " + file
                            + " as doubles: it is I32, not F64, F32, F16 or BF16");
            assertThatThrownBy(() -> SafeTensors.readFloats(file, "j"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("No tensor \"j\" in " + file + "; it has 1: i");
        }

        @Test
        void checksFloatTensorShapes() {
            assertThatThrownBy(() -> new FloatTensor(new long[] {2, 2}, new float[3]))
                    .hasMessage("Shape [2, 2] does not hold 3 elements");
            assertThatThrownBy(() -> new FloatTensor(new long[] {-1, -3}, new float[3]))
                    .hasMessage("Negative dimension in shape [-1, -3]");
            assertThatCode(() -> new FloatTensor(new long[] {1L << 62, 1L << 62, 0}, new float[0]))
                    .doesNotThrowAnyException();
        }
    }

    @Nested
    class ReferenceFile {

        private static final String RESOURCE = "/fixtures/io/ddim-test-tiny-unet.safetensors";

        @Test
        void readsTheHeaderThatDiffusersWrote() throws IOException {
            SafeTensorsHeader header = SafeTensors.readHeader(fixture());

            assertThat(header.headerLength()).isEqualTo(13800);
            assertThat(header.dataLength()).isEqualTo(47068);
            assertThat(header.metadata()).containsExactly(Map.entry("format", "pt"));
            assertThat(header.tensors()).hasSize(144);
            assertThat(header.tensors().subList(0, 2)).containsExactly(
                    new TensorInfo("conv_in.bias", DataType.FLOAT32, new Shape(4), 0, 16),
                    new TensorInfo("conv_in.weight", DataType.FLOAT32, new Shape(4, 3, 3, 3), 16, 448));
            assertThat(header.tensor("mid_block.attentions.0.to_q.weight")).hasValue(new TensorInfo(
                    "mid_block.attentions.0.to_q.weight", DataType.FLOAT32, new Shape(8, 8), 9244, 9500));
            assertThat(header.names()).last().isEqualTo("up_blocks.1.resnets.1.time_emb_proj.weight");
        }

        @Test
        void loadsTheValuesThatPythonReads() throws IOException {
            // Bits read with python3's struct.unpack('<f', ...) from the same file.
            Path file = fixture();
            try (NDManager manager = NDManager.newBaseManager()) {
                Map<String, NDArray> weights = SafeTensors.load(file, manager);

                assertThat(weights).hasSize(144);
                assertThat(floatBits(weights.get("conv_in.bias").toFloatArray()))
                        .containsExactly(0xbc2dbc15, 0x3cecb61b, 0xbda1694f, 0x3de9df5e);
                float[] convIn = weights.get("conv_in.weight").toFloatArray();
                assertThat(weights.get("conv_in.weight").getShape()).isEqualTo(new Shape(4, 3, 3, 3));
                assertThat(floatBits(Arrays.copyOf(convIn, 4)))
                        .containsExactly(0xbabcda8b, 0x3dd36ec5, 0xbe223254, 0xbe1107db);
                assertThat(Float.floatToRawIntBits(convIn[107])).isEqualTo(0xbe1802aa);
                NDArray toQ = weights.get("mid_block.attentions.0.to_q.weight");
                assertThat(floatBits(toQ.get("0, :4").toFloatArray()))
                        .containsExactly(0x3e23cae1, 0xbe7ce192, 0xbe02b06d, 0xbe222133);
                assertThat(Float.floatToRawIntBits(toQ.getFloat(7, 7))).isEqualTo(0x3e472351);
                assertThat(floatBits(weights.get("time_embedding.linear_1.weight").get(15).toFloatArray()))
                        .endsWith(0x3ea1f874);
                for (Map.Entry<String, NDArray> weight : weights.entrySet()) {
                    assertThat(weight.getValue().toFloatArray()).as(weight.getKey())
                            .containsExactly(SafeTensors.readFloats(file, weight.getKey()));
                }
            }
        }

        @Test
        void savesWhatItLoadsByteForByte() throws IOException {
            Path file = fixture();
            Path copy = dir.resolve("copy.safetensors");
            try (NDManager manager = NDManager.newBaseManager()) {
                SafeTensors.save(copy, SafeTensors.load(file, manager), SafeTensors.readHeader(file).metadata());
            }
            assertThat(copy).hasSameBinaryContentAs(file);
        }

        private Path fixture() throws IOException {
            Path file = dir.resolve("diffusion_pytorch_model.safetensors");
            try (InputStream in = SafeTensorsTests.class.getResourceAsStream(RESOURCE)) {
                assertThat(in).as(RESOURCE).isNotNull();
                Files.copy(in, file);
            }
            return file;
        }
    }

    @Nested
    class LargeFiles {

        private static final long BLOCK_ELEMENTS = 500_000_000; // 2 GB of F32: as large as one tensor may be
        private static final int BLOCKS = 20;

        @Test
        void readsOneSmallTensorOfA40GigabyteFileWithoutTouchingTheRest() throws IOException {
            StringBuilder json = new StringBuilder("{");
            long offset = 0;
            for (int i = 0; i < BLOCKS; i++) {
                json.append("\"block.").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[").append(BLOCK_ELEMENTS)
                        .append("],\"data_offsets\":[").append(offset).append(',')
                        .append(offset += BLOCK_ELEMENTS * 4).append("]},");
            }
            json.append("\"small\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[").append(offset).append(',')
                    .append(offset + 8).append("]}}");
            byte[] header = header(json.toString());
            Path file = dir.resolve("huge.safetensors");
            try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
                sparse.write(header);
                sparse.seek(header.length + offset);
                sparse.write(floatBytes(1.25f, -2f));
            }

            SafeTensorsHeader read = SafeTensors.readHeader(file);
            assertThat(read.dataLength()).isEqualTo(offset + 8).isGreaterThan(Runtime.getRuntime().maxMemory());
            assertThat(read.tensors()).hasSize(BLOCKS + 1);
            assertThat(SafeTensors.readFloats(file, "small")).containsExactly(1.25f, -2f);
            try (NDManager manager = NDManager.newBaseManager()) {
                assertThat(SafeTensors.load(file, manager, "small"::equals).get("small").toFloatArray())
                        .containsExactly(1.25f, -2f);
            }
        }

        @Test
        void refusesATensorOverTwoGigabytes() throws IOException {
            Path file = dir.resolve("big.safetensors");
            byte[] header = header("{\"big\":{\"dtype\":\"F32\",\"shape\":[805306368],"
                    + "\"data_offsets\":[0,3221225472]}}");
            try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
                sparse.write(header);
                sparse.setLength(header.length + 3221225472L);
            }

            try (NDManager manager = NDManager.newBaseManager()) {
                assertThatThrownBy(() -> SafeTensors.load(file, manager))
                        .isInstanceOf(SafeTensorsException.class)
                        .hasMessage("Cannot load tensor \"big\" in " + file + ": its 3221225472 bytes exceed the "
                                + "2 GiB that one mapped buffer and one DJL array hold");
            }
            assertThatThrownBy(() -> SafeTensors.readFloats(file, "big"))
                    .isInstanceOf(SafeTensorsException.class)
                    .hasMessage("Cannot read tensor \"big\" in " + file + " into a Java array: it has 805306368 "
                            + "elements");
        }
    }

    @Nested
    class InvalidFiles {

        private static final String F32_4 = "{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}";

        @Test
        void namesAMissingFile() {
            Path file = dir.resolve("missing.safetensors");

            assertThatThrownBy(() -> SafeTensors.readHeader(file))
                    .isInstanceOf(NoSuchFileException.class)
                    .hasMessage(file + ": no such safetensors file");
            try (NDManager manager = NDManager.newBaseManager()) {
                assertThatThrownBy(() -> SafeTensors.load(file, manager))
                        .isInstanceOf(NoSuchFileException.class)
                        .hasMessage(file + ": no such safetensors file");
            }
        }

        @Test
        void rejectsAFileShorterThanTheLengthField() throws IOException {
            Path file = raw(new byte[5]);

            assertFails(file, "Not a safetensors file: " + file + " has 5 bytes, fewer than the 8 that hold the "
                    + "header length");
        }

        @ParameterizedTest
        @ValueSource(longs = {-1, 100_000_001, Long.MAX_VALUE})
        void rejectsAnAbsurdHeaderLength(long length) throws IOException {
            Path file = raw(concat(lengthField(length), "{}".getBytes(StandardCharsets.UTF_8)));

            assertFails(file, "Invalid header length in " + file + ": " + Long.toUnsignedString(length)
                    + " bytes, over the limit of 100000000");
        }

        @Test
        void rejectsAHeaderLongerThanTheFile() throws IOException {
            Path file = raw(concat(lengthField(500), new byte[92]));

            assertFails(file, "Invalid header length in " + file + ": 500 bytes, but only 92 follow the length "
                    + "field (truncated file?)");
        }

        @Test
        void rejectsAHeaderThatIsNotUtf8() throws IOException {
            byte[] json = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
            json[3] = (byte) 0xff;
            Path file = raw(concat(lengthField(json.length), json));

            assertFails(file, "Malformed header in " + file + ": not valid UTF-8 at byte 11 of the file");
        }

        @Test
        void reportsWhereTheJsonIsMalformed() throws IOException {
            Path file = write("{\"a\": {\"dtype\": \"F32\",}}", new byte[0]);

            assertFails(file, "Malformed JSON in the header of " + file + " at line 1, column 23: Unexpected "
                    + "character ('}' (code 125)): was expecting double-quote to start field name");
        }

        @Test
        void rejectsContentAfterTheHeaderObject() throws IOException {
            Path file = write("{}{}", new byte[0]);

            assertFails(file, "Malformed JSON in the header of " + file + " at line 1, column 3: unexpected '{' "
                    + "after the end of the header object");
        }

        @Test
        void rejectsAHeaderThatIsNotAnObject() throws IOException {
            Path array = write("[1, 2]", new byte[0]);
            Path empty = raw(lengthField(0));

            assertFails(array, "Expected a JSON object as the header of " + array + " but found array");
            assertFails(empty, "Expected a JSON object as the header of " + empty + " but found an empty header");
        }

        @Test
        void rejectsADuplicateTensor() throws IOException {
            Path file = write("{\"a\":" + F32_4 + ",\"a\":" + F32_4 + "}", new byte[16]);

            assertFails(file, "Duplicate key \"a\" in the header of " + file);
        }

        @Test
        void rejectsADuplicateFieldInATensor() throws IOException {
            Path file = write("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,16]}}",
                    new byte[16]);

            assertThatThrownBy(() -> SafeTensors.readHeader(file))
                    .isInstanceOf(SafeTensorsException.class)
                    .hasMessageStartingWith("Malformed JSON in the header of " + file + " at line 1, column ")
                    .hasMessageContaining("Duplicate field 'dtype'");
        }

        @Test
        void rejectsATensorEntryThatIsNotAnObject() throws IOException {
            Path file = write("{\"a\":\"F32\"}", new byte[0]);

            assertFails(file, "Invalid tensor \"a\" in " + file + ": expected an object with \"dtype\", \"shape\" "
                    + "and \"data_offsets\" but found \"F32\"");
        }

        @ParameterizedTest
        @ValueSource(strings = {"dtype", "shape", "data_offsets"})
        void namesAMissingField(String field) throws IOException {
            String entry = F32_4.replace("\"" + field + "\":", "\"other\":");
            Path file = write("{\"a\":" + entry + "}", new byte[16]);

            assertFails(file, "Invalid tensor \"a\" in " + file + ": missing \"" + field + "\"");
        }

        @Test
        void rejectsMistypedFields() throws IOException {
            Path dtype = write("{\"a\":" + F32_4.replace("\"F32\"", "32") + "}", new byte[16]);
            Path shape = write("{\"a\":" + F32_4.replace("[4]", "\"4\"") + "}", new byte[16]);
            Path fractional = write("{\"a\":" + F32_4.replace("[4]", "[4.0]") + "}", new byte[16]);
            Path offsets = write("{\"a\":" + F32_4.replace("[0,16]", "{\"begin\":0}") + "}", new byte[16]);
            Path huge = write("{\"a\":" + F32_4.replace("[0,16]", "[0,99999999999999999999]") + "}", new byte[16]);

            assertFails(dtype, "Invalid tensor \"a\" in " + dtype + ": \"dtype\" must be a string such as \"F32\" "
                    + "but is 32");
            assertFails(shape, "Invalid tensor \"a\" in " + shape + ": \"shape\" must be a list of integers but is "
                    + "\"4\"");
            assertFails(fractional, "Invalid tensor \"a\" in " + fractional + ": \"shape\" must be a list of "
                    + "integers but is [4.0]");
            assertFails(offsets, "Invalid tensor \"a\" in " + offsets + ": \"data_offsets\" must be [begin, end] but "
                    + "is {\"begin\":0}");
            assertFails(huge, "Invalid tensor \"a\" in " + huge + ": \"data_offsets\" must be [begin, end] but "
                    + "is [0,99999999999999999999]");
        }

        @Test
        void rejectsANegativeDimension() throws IOException {
            Path file = write("{\"a\":" + F32_4.replace("[4]", "[-2,-2]") + "}", new byte[16]);

            assertFails(file, "Invalid tensor \"a\" in " + file + ": negative dimension in shape [-2, -2]");
        }

        @Test
        void listsTheSupportedDtypesForAnUnknownOne() throws IOException {
            Path file = write("{\"a\":" + F32_4.replace("F32", "F8_E4M3") + "}", new byte[16]);

            assertFails(file, "Invalid tensor \"a\" in " + file + ": unsupported dtype \"F8_E4M3\"; supported "
                    + "dtypes: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL");
        }

        @ParameterizedTest
        @ValueSource(strings = {"[16,0]", "[-16,0]", "[0]", "[0,16,32]"})
        void rejectsOffsetsThatAreNotBeginEnd(String offsets) throws IOException {
            Path file = write("{\"a\":" + F32_4.replace("[0,16]", offsets) + "}", new byte[16]);

            assertFails(file, "Invalid tensor \"a\" in " + file + ": \"data_offsets\" must be [begin, end] with "
                    + "0 <= begin <= end but is " + offsets.replace(",", ", "));
        }

        @Test
        void rejectsAByteLengthThatDoesNotMatchTheShape() throws IOException {
            Path file = write("{\"a\":" + F32_4.replace("[4]", "[2,3]") + "}", new byte[16]);
            Path overflow = write("{\"a\":" + F32_4.replace("[4]", "[4611686018427387904,4]") + "}", new byte[16]);

            assertFails(file, "Invalid tensor \"a\" in " + file + ": F32 [2, 3] needs 24 bytes but data_offsets "
                    + "[0, 16] span 16");
            assertFails(overflow, "Invalid tensor \"a\" in " + overflow + ": F32 [4611686018427387904, 4] needs "
                    + "more bytes than a file can hold but data_offsets [0, 16] span 16");
        }

        @Test
        void namesTheTensorThatATruncatedFileCutsOff() throws IOException {
            Path file = write("{\"a\":" + F32_4 + ",\"b\":" + F32_4.replace("[0,16]", "[16,32]") + "}",
                    new byte[20]);

            assertFails(file, "Truncated file " + file + ": tensor \"b\" needs bytes [16, 32) of the data section "
                    + "but the file has only 20");
        }

        @Test
        void namesBothOverlappingTensors() throws IOException {
            Path file = write("{\"a\":" + F32_4.replace("[0,16]", "[8,24]") + ",\"b\":" + F32_4 + "}",
                    new byte[24]);

            assertFails(file, "Overlapping tensors in " + file + ": \"b\" has bytes [0, 16) of the data section "
                    + "and \"a\" has bytes [8, 24)");
        }

        @Test
        void rejectsBytesThatBelongToNoTensor() throws IOException {
            String a = "\"a\":" + F32_4.replace("[0,16]", "[4,20]");
            String b = "\"b\":" + F32_4.replace("[0,16]", "[24,40]");
            Path before = write("{" + a + "}", new byte[20]);
            Path between = write("{\"z\":" + F32_4 + "," + b + "}", new byte[40]);
            Path after = write("{\"z\":" + F32_4 + "}", new byte[17]);
            Path none = write("{}", new byte[1]);

            String rule = "; safetensors requires the tensors to cover the data section without gaps";
            assertFails(before, "Gap in " + before + ": bytes [0, 4) of the data section belong to no tensor (before "
                    + "the first tensor \"a\")" + rule);
            assertFails(between, "Gap in " + between + ": bytes [16, 24) of the data section belong to no tensor "
                    + "(between \"z\" and \"b\")" + rule);
            assertFails(after, "Gap in " + after + ": bytes [16, 17) of the data section belong to no tensor (after "
                    + "the last tensor \"z\")" + rule);
            assertFails(none, "Gap in " + none + ": bytes [0, 1) of the data section belong to no tensor (the header "
                    + "lists no tensors)" + rule);
        }

        @Test
        void rejectsMetadataThatIsNotAStringMap() throws IOException {
            Path number = write("{\"__metadata__\":{\"format\":\"pt\",\"epoch\":3}}", new byte[0]);
            Path list = write("{\"__metadata__\":[\"pt\"]}", new byte[0]);

            assertFails(number, "Invalid \"__metadata__\" in " + number + ": the value of \"epoch\" must be a string "
                    + "but is 3");
            assertFails(list, "Invalid \"__metadata__\" in " + list + ": expected an object of strings but found "
                    + "[\"pt\"]");
        }

        @Test
        void rejectsABooleanThatIsNeitherZeroNorOne() throws IOException {
            Path file = write("{\"m\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]}}",
                    new byte[] {1, 0, 2});

            try (NDManager manager = NDManager.newBaseManager()) {
                assertThatThrownBy(() -> SafeTensors.load(file, manager))
                        .isInstanceOf(SafeTensorsException.class)
                        .hasMessage("Invalid tensor \"m\" in " + file + ": BOOL element 2 is 2; expected 0 or 1");
            }
        }

        @Test
        void failedLoadClosesTheArraysItCreated() throws IOException {
            Path file = write("{\"a\":" + F32_4 + ",\"m\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[16,17]}}",
                    concat(new byte[16], new byte[] {7}));

            try (NDManager manager = NDManager.newBaseManager()) {
                assertThatThrownBy(() -> SafeTensors.load(file, manager)).isInstanceOf(SafeTensorsException.class);
                assertThat(manager.getManagedArrays()).isEmpty();
            }
        }

        private void assertFails(Path file, String message) {
            assertThatThrownBy(() -> SafeTensors.readHeader(file))
                    .isInstanceOf(SafeTensorsException.class)
                    .hasMessage(message);
            try (NDManager manager = NDManager.newBaseManager()) {
                assertThatThrownBy(() -> SafeTensors.load(file, manager))
                        .isInstanceOf(SafeTensorsException.class)
                        .hasMessage(message);
            }
        }
    }

    @Nested
    class AtomicSave {

        @Test
        void replacesAnExistingFileAndLeavesNoTemporaryFile() throws IOException {
            Path file = dir.resolve("w.safetensors");
            SafeTensors.saveFloats(file, Map.of("old", FloatTensor.of(1)), null);
            SafeTensors.saveFloats(file, Map.of("new", FloatTensor.of(2)), null);

            assertThat(SafeTensors.readHeader(file).names()).containsExactly("new");
            assertThat(listDir()).containsExactly("w.safetensors");
        }

        @Test
        void failedWriteKeepsThePreviousFileAndLeavesNoTemporaryFile() throws IOException {
            Path file = dir.resolve("w.safetensors");
            SafeTensors.saveFloats(file, Map.of("old", FloatTensor.of(1, 2)), Map.of("v", "1"));
            byte[] before = Files.readAllBytes(file);
            try (NDManager manager = NDManager.newBaseManager()) {
                Map<String, NDArray> tensors = new LinkedHashMap<>();
                tensors.put("fine", manager.create(new float[] {3, 4}));
                tensors.put("failing", failingArray());

                assertThatThrownBy(() -> SafeTensors.save(file, tensors, null))
                        .isInstanceOf(UncheckedIOException.class)
                        .hasMessageContaining("disk full");
            }
            assertThat(Files.readAllBytes(file)).isEqualTo(before);
            assertThat(listDir()).containsExactly("w.safetensors");
        }

        @Test
        void refusesTheMetadataKeyAsATensorName() {
            Path file = dir.resolve("w.safetensors");

            assertThatThrownBy(() -> SafeTensors.saveFloats(file, Map.of("__metadata__", FloatTensor.of(1)), null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("\"__metadata__\" is reserved for the metadata; choose another name");
            assertThat(file).doesNotExist();
        }

        /** An F32 array of two elements whose bytes cannot be read, as if the disk filled up while writing. */
        private NDArray failingArray() {
            return (NDArray) Proxy.newProxyInstance(NDArray.class.getClassLoader(), new Class<?>[] {NDArray.class},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "getDataType" -> DataType.FLOAT32;
                        case "getShape" -> new Shape(2);
                        case "getSparseFormat" -> SparseFormat.DENSE;
                        case "toByteBuffer" -> throw new UncheckedIOException(new IOException("disk full"));
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
        }

        private List<String> listDir() throws IOException {
            try (Stream<Path> entries = Files.list(dir)) {
                return entries.map(p -> p.getFileName().toString()).sorted().toList();
            }
        }
    }

    /** A file with the given JSON header (padded to 8 bytes) and data section. */
    private Path write(String json, byte[] data) throws IOException {
        return raw(concat(header(json), data));
    }

    private Path raw(byte[] bytes) throws IOException {
        return Files.write(dir.resolve("file" + files++ + ".safetensors"), bytes);
    }

    /** The length field and the JSON, padded with spaces as the reference implementation does. */
    static byte[] header(String json) {
        byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
        byte[] padded = Arrays.copyOf(utf8, (utf8.length + 7) / 8 * 8);
        Arrays.fill(padded, utf8.length, padded.length, (byte) ' ');
        return concat(lengthField(padded.length), padded);
    }

    static byte[] lengthField(long length) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length).array();
    }

    static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    /** Random bytes for {@code count} elements of {@code dtype}; booleans are 0 or 1. */
    static byte[] randomBytes(DataType dtype, int count, long seed) {
        byte[] bytes = new byte[count * dtype.getNumOfBytes()];
        Random random = new Random(seed);
        random.nextBytes(bytes);
        if (dtype == DataType.BOOLEAN) {
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] &= 1;
            }
        }
        return bytes;
    }

    static ByteBuffer direct(byte[] bytes) {
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    private static byte[] shorts(int... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int value : values) {
            buffer.putShort((short) value);
        }
        return buffer.array();
    }

    private static byte[] floatBytes(float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }

    private static int[] floatBits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
