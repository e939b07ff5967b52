package dev.reprodiff.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Reads and writes <a href="https://github.com/huggingface/safetensors">safetensors</a> files, the format diffusers
 * saves model weights in ({@code diffusion_pytorch_model.safetensors}).
 *
 * <p>A file is an 8-byte little-endian header length N, N bytes of UTF-8 JSON that map each tensor name to its
 * {@code dtype}, {@code shape} and {@code data_offsets}, and the data section: the tensors' bytes, little-endian and
 * row-major. The JSON may also hold {@code "__metadata__"}, a map of strings. Supported dtypes are F64, F32, F16,
 * BF16, I64, I32, I16, I8, U8 and BOOL.
 *
 * <p>Every read validates the whole header first, as the reference implementation does: a header that is not a JSON
 * object, a tensor entry with a missing or mistyped field, an unknown dtype, a byte range that does not match the
 * shape, lies beyond the end of the file or overlaps another tensor, and bytes that belong to no tensor are all a
 * {@link SafeTensorsException} naming the file and the tensor. A missing file is a {@link NoSuchFileException}.
 *
 * <p>{@link #load(Path, NDManager)} reads one tensor at a time straight into engine memory, so multi-gigabyte
 * checkpoints load without passing through the Java heap. A file that changes while it loads (a
 * writer truncating or rewriting it) is an error, never a crash; only regular files are opened (a FIFO is refused
 * rather than waited on). {@link #readFloats} and
 * {@link #saveFloats} work on plain Java arrays, without an engine.
 */
public final class SafeTensors {

    private SafeTensors() {
    }

    /**
     * Reads and validates the header of a safetensors file, without reading any tensor data.
     *
     * @param file the file to read
     * @return the tensors' names (in header order), dtypes, shapes and byte ranges, and the metadata
     * @throws NoSuchFileException if the file does not exist
     * @throws SafeTensorsException if the file is not a valid safetensors file
     * @throws IOException if the file cannot be read
     */
    public static SafeTensorsHeader readHeader(Path file) throws IOException {
        try (FileChannel channel = open(file)) {
            return HeaderReader.read(file, channel);
        }
    }

    /**
     * Loads every tensor of a safetensors file.
     *
     * @param file the file to read
     * @param manager the manager that will own the arrays
     * @return the tensors by name, in header order
     * @throws NoSuchFileException if the file does not exist
     * @throws SafeTensorsException if the file is not a valid safetensors file, or holds a tensor that the engine
     *     cannot hold (see {@link #load(Path, NDManager, Predicate)})
     * @throws IOException if the file cannot be read
     */
    public static Map<String, NDArray> load(Path file, NDManager manager) throws IOException {
        return load(file, manager, name -> true);
    }

    /**
     * Loads the tensors of a safetensors file whose names pass a filter; the others are neither read nor mapped.
     *
     * <p>Each array is a copy in engine memory, owned by {@code manager}, named after its tensor. The whole header
     * is validated and every selected tensor checked before any array is created, and if loading fails part-way the
     * arrays created so far are closed.
     *
     * <p>DJL 0.36's PyTorch engine has no BF16 or I16 arrays (creating one aborts the JVM), so selecting such a
     * tensor is a {@link SafeTensorsException}; {@link #readFloats} widens BF16 to float32 exactly. A single tensor
     * must also be smaller than 2 GiB, the most that one mapped buffer and one DJL array can hold, and a BOOL tensor
     * must hold only the bytes 0 and 1.
     *
     * @param file the file to read
     * @param manager the manager that will own the arrays
     * @param names which tensors to load, by name
     * @return the selected tensors by name, in header order
     * @throws NoSuchFileException if the file does not exist
     * @throws SafeTensorsException if the file is not a valid safetensors file, or a selected tensor cannot be
     *     loaded
     * @throws IOException if the file cannot be read
     */
    public static Map<String, NDArray> load(Path file, NDManager manager, Predicate<String> names)
            throws IOException {
        Objects.requireNonNull(manager, "manager");
        Objects.requireNonNull(names, "names");
        try (FileChannel channel = open(file)) {
            BasicFileAttributes before = Files.readAttributes(file, BasicFileAttributes.class);
            SafeTensorsHeader header = HeaderReader.read(file, channel);
            List<TensorInfo> selected = new ArrayList<>();
            for (TensorInfo tensor : header.tensors()) {
                if (names.test(tensor.name())) {
                    checkLoadable(file, tensor);
                    selected.add(tensor);
                }
            }
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            try {
                for (TensorInfo tensor : selected) {
                    arrays.put(tensor.name(), load(file, channel, header, tensor, manager));
                }
                checkUnchanged(file, channel, header, before);
            } catch (IOException | RuntimeException e) {
                arrays.values().forEach(NDArray::close);
                throw e;
            }
            return arrays;
        }
    }

    /**
     * Writes tensors to a safetensors file, atomically: the bytes go to a temporary file in the same directory, which
     * is then renamed over {@code file} (replacing an existing file). Readers see the old file or the new one, never
     * a part; if writing fails, the old file is left as it was and the temporary file is deleted.
     *
     * <p>The header lists the tensors in the map's iteration order, then the metadata, and is padded with spaces to a
     * multiple of 8 bytes, as the reference implementation writes it; the data follows in the same order. So a file
     * that the reference implementation wrote, loaded with {@link #load(Path, NDManager)} and saved with its
     * metadata, keeps its bytes.
     *
     * @param file the file to write
     * @param tensors the arrays by name; dense arrays of a supported dtype, on any device
     * @param metadata the {@code __metadata__} strings, such as {@code {"format": "pt"}}; may be empty or
     *     {@code null} for none
     * @throws IllegalArgumentException if a tensor is named {@code __metadata__}, is sparse, or has a dtype that
     *     safetensors cannot hold
     * @throws IOException if the file cannot be written
     */
    public static void save(Path file, Map<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
        tensors.forEach((name, array) -> entries.add(entry(name, array)));
        SafeTensorsWriter.write(file, entries, metadata == null ? Map.of() : metadata);
    }

    /**
     * Reads one tensor into a float array, without an engine: F32 as stored, F16 and BF16 widened exactly.
     *
     * @param file the file to read
     * @param name the tensor's name
     * @return the elements in row-major order
     * @throws IllegalArgumentException if the file has no tensor {@code name}
     * @throws NoSuchFileException if the file does not exist
     * @throws SafeTensorsException if the file is not a valid safetensors file, or the tensor is not F32, F16 or
     *     BF16 (F64 would lose precision: use {@link #readDoubles})
     * @throws IOException if the file cannot be read
     */
    public static float[] readFloats(Path file, String name) throws IOException {
        try (FileChannel channel = open(file)) {
            SafeTensorsHeader header = HeaderReader.read(file, channel);
            TensorInfo tensor = find(header, name);
            if (tensor.dtype() == DataType.FLOAT64) {
                throw new SafeTensorsException("Cannot read tensor \"" + name + "\" in " + file
                        + " as floats: it is F64, and rounding it to float32 would lose precision; use readDoubles");
            }
            ByteBuffer bytes = readData(file, channel, header, tensor, Float.BYTES, "F32, F16 or BF16");
            float[] values = new float[(int) (tensor.byteLength() / tensor.dtype().getNumOfBytes())];
            for (int i = 0; i < values.length; i++) {
                values[i] = floatElement(bytes, tensor.dtype(), i);
            }
            return values;
        }
    }

    /**
     * Reads one tensor into a double array, without an engine: F64 as stored, F32, F16 and BF16 widened exactly.
     *
     * @param file the file to read
     * @param name the tensor's name
     * @return the elements in row-major order
     * @throws IllegalArgumentException if the file has no tensor {@code name}
     * @throws NoSuchFileException if the file does not exist
     * @throws SafeTensorsException if the file is not a valid safetensors file, or the tensor is not a floating
     *     point tensor
     * @throws IOException if the file cannot be read
     */
    public static double[] readDoubles(Path file, String name) throws IOException {
        try (FileChannel channel = open(file)) {
            SafeTensorsHeader header = HeaderReader.read(file, channel);
            TensorInfo tensor = find(header, name);
            ByteBuffer bytes = readData(file, channel, header, tensor, Double.BYTES, "F64, F32, F16 or BF16");
            double[] values = new double[(int) (tensor.byteLength() / tensor.dtype().getNumOfBytes())];
            for (int i = 0; i < values.length; i++) {
                values[i] = tensor.dtype() == DataType.FLOAT64
                        ? bytes.getDouble(i * Double.BYTES) : floatElement(bytes, tensor.dtype(), i);
            }
            return values;
        }
    }

    /**
     * Writes float32 tensors held in Java arrays to a safetensors file, atomically, as {@link #save} does.
     *
     * @param file the file to write
     * @param tensors the tensors by name, written in the map's iteration order
     * @param metadata the {@code __metadata__} strings; may be empty or {@code null} for none
     * @throws IllegalArgumentException if a tensor is named {@code __metadata__}
     * @throws IOException if the file cannot be written
     */
    public static void saveFloats(Path file, Map<String, FloatTensor> tensors, Map<String, String> metadata)
            throws IOException {
        List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
        tensors.forEach((name, tensor) -> {
            checkName(name);
            float[] data = tensor.data();
            entries.add(new SafeTensorsWriter.Entry(name, "F32", tensor.shape(), (long) data.length * Float.BYTES,
                    channel -> writeFloats(channel, data)));
        });
        SafeTensorsWriter.write(file, entries, metadata == null ? Map.of() : metadata);
    }

    /** Writes {@code data} little-endian through a small buffer, so that large arrays are not copied whole. */
    private static void writeFloats(FileChannel channel, float[] data) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < data.length; ) {
            int count = Math.min(data.length - i, chunk.capacity() / Float.BYTES);
            chunk.clear().asFloatBuffer().put(data, i, count);
            SafeTensorsWriter.writeFully(channel, chunk.limit(count * Float.BYTES));
            i += count;
        }
    }

    /**
     * Opens {@code file} for reading; a missing file names itself. Only a regular file is opened: opening a FIFO
     * would block until another process writes to it, and a device could be read forever.
     */
    private static FileChannel open(Path file) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            NoSuchFileException missing = new NoSuchFileException(file.toString(), null, "no such safetensors file");
            missing.initCause(e);
            throw missing;
        }
        if (!attributes.isRegularFile()) {
            throw new SafeTensorsException(file + " is " + kind(file, attributes) + ", not a regular file;"
                    + " safetensors weights are read from a regular file (copy the data into one)");
        }
        return FileChannel.open(file, StandardOpenOption.READ);
    }

    private static String kind(Path file, BasicFileAttributes attributes) {
        if (attributes.isDirectory()) {
            return "a directory";
        }
        try {
            int type = (Integer) Files.getAttribute(file, "unix:mode") & 0170000;
            switch (type) {
                case 0010000:
                    return "a FIFO (named pipe)";
                case 0140000:
                    return "a socket";
                case 0020000:
                    return "a character device";
                case 0060000:
                    return "a block device";
                default:
                    return "a special file";
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "a special file";
        }
    }

    private static void checkLoadable(Path file, TensorInfo tensor) throws SafeTensorsException {
        if (!Dtypes.onEngine(tensor.dtype())) {
            throw new SafeTensorsException("Cannot load tensor \"" + tensor.name() + "\" in " + file + ": it is "
                    + tensor.dtypeName() + ", which DJL's PyTorch engine cannot hold; it holds "
                    + Dtypes.supportedOnEngine() + (tensor.dtype() == DataType.BFLOAT16
                    ? ". SafeTensors.readFloats widens BF16 to float32 exactly" : ""));
        }
        if (tensor.byteLength() > Integer.MAX_VALUE) {
            throw new SafeTensorsException("Cannot load tensor \"" + tensor.name() + "\" in " + file + ": its "
                    + tensor.byteLength() + " bytes exceed the 2 GiB that one mapped buffer and one DJL array hold");
        }
    }

    /**
     * The tensor's own bytes, read with {@code read()} into an array that the engine owns. Reading through a memory
     * map instead would crash the JVM (SIGBUS inside libtorch's copy) if another process truncated the file; a
     * short read is an error we can name.
     */
    private static NDArray load(Path file, FileChannel channel, SafeTensorsHeader header, TensorInfo tensor,
                                NDManager manager) throws IOException {
        if (tensor.byteLength() == 0) {
            NDArray empty = manager.zeros(tensor.shape(), tensor.dtype());
            empty.setName(tensor.name());
            return empty;
        }
        NDArray owned;
        if (manager.getDevice().isGpu()) {
            // Staged in a direct buffer, which the engine copies to the device.
            ByteBuffer staging = ByteBuffer.allocateDirect((int) tensor.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
            checkBooleans(file, tensor, readTensor(file, channel, header, tensor, staging));
            owned = manager.create(staging, tensor.shape(), tensor.dtype());
        } else {
            // Straight into the new array's memory: on the CPU, DJL's direct buffer of a contiguous tensor is a
            // view of it, so the bytes are copied once, as from a memory map.
            owned = manager.create(tensor.shape(), tensor.dtype());
            try {
                checkBooleans(file, tensor, readTensor(file, channel, header, tensor, owned.toByteBuffer(true)));
            } catch (IOException | RuntimeException e) {
                owned.close();
                throw e;
            }
        }
        owned.setName(tensor.name());
        return owned;
    }

    /** Fills {@code target} with the tensor's bytes; a file that ends too early changed after its header was read. */
    static ByteBuffer readTensor(Path file, FileChannel channel, SafeTensorsHeader header, TensorInfo tensor,
                                 ByteBuffer target) throws IOException {
        long start = header.dataStart() + tensor.begin();
        target.clear().limit((int) tensor.byteLength());
        while (target.hasRemaining()) {
            if (channel.read(target, start + target.position()) < 0) {
                throw changed(file, "tensor \"" + tensor.name() + "\" needs bytes " + start + " to "
                        + (start + tensor.byteLength()) + ", but the file now ends at " + channel.size() + " bytes"
                        + " (it had " + header.fileSize() + " when its header was read)");
            }
        }
        return target.flip();
    }

    /** The same file, of the same size and modification time, as when its header was read. */
    private static void checkUnchanged(Path file, FileChannel channel, SafeTensorsHeader header,
                                       BasicFileAttributes before) throws IOException {
        if (channel.size() != header.fileSize()) {
            throw changed(file, "its size went from " + header.fileSize() + " to " + channel.size() + " bytes");
        }
        BasicFileAttributes after = Files.readAttributes(file, BasicFileAttributes.class);
        // A file renamed over this path leaves the open channel reading the old, complete file: that load stands.
        if (Objects.equals(before.fileKey(), after.fileKey())
                && !before.lastModifiedTime().equals(after.lastModifiedTime())) {
            throw changed(file, "it was written to (modified " + before.lastModifiedTime() + ", then "
                    + after.lastModifiedTime() + ")");
        }
    }

    private static SafeTensorsException changed(Path file, String how) {
        return new SafeTensorsException("Cannot load " + file + ": it changed while it was being read, " + how
                + ". Another process is writing or truncating it (Python's save_file rewrites a file in place);"
                + " load it again once the writer has finished, or have writers write a temporary file and rename"
                + " it over this one");
    }

    /** torch's bool is one byte that must be 0 or 1; any other value would be a tensor the file does not describe. */
    private static void checkBooleans(Path file, TensorInfo tensor, ByteBuffer bytes) throws SafeTensorsException {
        if (tensor.dtype() != DataType.BOOLEAN) {
            return;
        }
        for (int i = 0; i < bytes.limit(); i++) {
            byte value = bytes.get(i);
            if (value != 0 && value != 1) {
                throw new SafeTensorsException("Invalid tensor \"" + tensor.name() + "\" in " + file
                        + ": BOOL element " + i + " is " + (value & 0xff) + "; expected 0 or 1");
            }
        }
    }

    private static TensorInfo find(SafeTensorsHeader header, String name) {
        return header.tensor(name).orElseThrow(() -> new IllegalArgumentException("No tensor \"" + name + "\" in "
                + header.file() + "; it has " + header.tensors().size() + ": " + abbreviate(header.names())));
    }

    /** The tensor's bytes in a heap buffer, after checking that it is a floating-point tensor a Java array can hold. */
    private static ByteBuffer readData(Path file, FileChannel channel, SafeTensorsHeader header, TensorInfo tensor,
                                       int targetBytes, String readable) throws IOException {
        if (!tensor.dtype().isFloating()) {
            throw new SafeTensorsException("Cannot read tensor \"" + tensor.name() + "\" in " + file + " as "
                    + (targetBytes == Float.BYTES ? "floats" : "doubles") + ": it is " + tensor.dtypeName()
                    + ", not " + readable);
        }
        long count = tensor.byteLength() / tensor.dtype().getNumOfBytes();
        if (count > Integer.MAX_VALUE - 8 || tensor.byteLength() > Integer.MAX_VALUE) {
            throw new SafeTensorsException("Cannot read tensor \"" + tensor.name() + "\" in " + file
                    + " into a Java array: it has " + count + " elements");
        }
        return HeaderReader.readFully(file, channel, header.dataStart() + tensor.begin(), (int) tensor.byteLength())
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Element {@code i} of an F32, F16 or BF16 tensor, its bits kept (a detour through double would quiet NaNs). */
    private static float floatElement(ByteBuffer bytes, DataType dtype, int i) {
        switch (dtype) {
            case FLOAT32:
                return bytes.getFloat(i * Float.BYTES);
            case FLOAT16:
                return Float16.toFloat(bytes.getShort(i * 2));
            case BFLOAT16:
                return Float.intBitsToFloat(bytes.getShort(i * 2) << 16);
            default:
                throw new IllegalStateException("Not a float32, float16 or bfloat16 dtype: " + dtype);
        }
    }

    private static SafeTensorsWriter.Entry entry(String name, NDArray array) {
        checkName(name);
        String dtype = Dtypes.name(array.getDataType());
        if (dtype == null) {
            throw new IllegalArgumentException("Cannot save tensor \"" + name + "\": safetensors has no dtype for "
                    + array.getDataType() + "; supported dtypes: " + Dtypes.supported());
        }
        if (array.getSparseFormat() != SparseFormat.DENSE) {
            throw new IllegalArgumentException("Cannot save tensor \"" + name + "\": it is "
                    + array.getSparseFormat() + "; safetensors holds dense tensors only (call toDense() first)");
        }
        long byteLength = array.getShape().size() * array.getDataType().getNumOfBytes();
        return new SafeTensorsWriter.Entry(name, dtype, array.getShape().getShape(), byteLength,
                // A direct view of the array's memory where the engine allows it: no heap copy of large tensors.
                channel -> SafeTensorsWriter.writeFully(channel, array.toByteBuffer(true)));
    }

    private static void checkName(String name) {
        if (HeaderReader.METADATA_KEY.equals(name)) {
            throw new IllegalArgumentException("\"" + name + "\" is reserved for the metadata; choose another name");
        }
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 10 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 10)) + ", ... (" + (names.size() - 10) + " more)";
    }
}
