package dev.reprodiff.io;

import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * The header of a safetensors file, validated: every tensor's name, type, shape and byte range, and the
 * {@code __metadata__} string map. Read it with {@link SafeTensors#readHeader(Path)}; no tensor data is read.
 *
 * <p>A file is {@code [8-byte little-endian header length N][N bytes of UTF-8 JSON][data section]}. The tensors are
 * listed in header order, which for files written by the reference implementation and by {@link SafeTensors} is also
 * the order of their bytes.
 *
 * @param file the file the header was read from
 * @param headerLength the length N of the JSON header in bytes, padding included
 * @param dataLength the length of the data section in bytes
 * @param metadata the {@code __metadata__} entries in header order; empty when the file has none
 * @param tensors the tensors in header order
 */
public record SafeTensorsHeader(Path file, long headerLength, long dataLength, Map<String, String> metadata,
                                List<TensorInfo> tensors) {

    /**
     * Creates a header; {@link SafeTensors#readHeader(Path)} creates validated ones.
     *
     * @param file the file the header was read from
     * @param headerLength the length of the JSON header in bytes
     * @param dataLength the length of the data section in bytes
     * @param metadata the {@code __metadata__} entries (copied, order kept)
     * @param tensors the tensors in header order (copied)
     */
    public SafeTensorsHeader {
        Objects.requireNonNull(file, "file");
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        tensors = List.copyOf(tensors);
    }

    /**
     * Returns the position in the file where the data section starts.
     *
     * @return {@code 8 + headerLength}
     */
    public long dataStart() {
        return Long.BYTES + headerLength;
    }

    /**
     * Returns the size of the file when the header was read.
     *
     * @return {@code 8 + headerLength + dataLength}
     */
    public long fileSize() {
        return dataStart() + dataLength;
    }

    /**
     * Returns the tensor names.
     *
     * @return the names in header order
     */
    public List<String> names() {
        return tensors.stream().map(TensorInfo::name).collect(Collectors.toUnmodifiableList());
    }

    /**
     * Finds a tensor by name.
     *
     * @param name the tensor's name
     * @return the tensor called {@code name}, or empty if the file has none
     */
    public Optional<TensorInfo> tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** A shape as the header spells it: {@code [4, 3, 3, 3]}, or {@code []} for a scalar. */
    static String format(Shape shape) {
        return format(shape.getShape());
    }

    /** A list of dimensions as the header spells it. */
    static String format(long[] dims) {
        return LongStream.of(dims).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    /** {@code a * b} for non-negative factors, or {@link Long#MAX_VALUE} when that overflows. */
    static long multiplySaturated(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long product = a * b;
        return high != 0 || product < 0 ? Long.MAX_VALUE : product;
    }
}
