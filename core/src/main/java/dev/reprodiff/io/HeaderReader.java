package dev.reprodiff.io;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Reads and validates a safetensors header, rejecting everything the reference implementation rejects. */
final class HeaderReader {

    /** The reference implementation's limit; anything larger is corruption, not a header. */
    static final long MAX_HEADER_LENGTH = 100_000_000;

    static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    private final Path file;

    private HeaderReader(Path file) {
        this.file = file;
    }

    /** The validated header of {@code file}, read through {@code channel}. */
    static SafeTensorsHeader read(Path file, FileChannel channel) throws IOException {
        return new HeaderReader(file).read(channel);
    }

    private SafeTensorsHeader read(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < Long.BYTES) {
            throw new SafeTensorsException("Not a safetensors file: " + file + " has " + size
                    + " bytes, fewer than the 8 that hold the header length");
        }
        long headerLength = readFully(file, channel, 0, Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 0 || headerLength > MAX_HEADER_LENGTH) {
            throw new SafeTensorsException("Invalid header length in " + file + ": "
                    + Long.toUnsignedString(headerLength) + " bytes, over the limit of " + MAX_HEADER_LENGTH);
        }
        if (headerLength > size - Long.BYTES) {
            throw new SafeTensorsException("Invalid header length in " + file + ": " + headerLength
                    + " bytes, but only " + (size - Long.BYTES) + " follow the length field (truncated file?)");
        }
        String json = decode(readFully(file, channel, Long.BYTES, (int) headerLength));
        long dataLength = size - Long.BYTES - headerLength;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : parse(json).entrySet()) {
            if (entry.getKey().equals(METADATA_KEY)) {
                metadata = metadata(entry.getValue());
            } else {
                tensors.add(tensor(entry.getKey(), entry.getValue(), dataLength));
            }
        }
        checkCoverage(tensors, dataLength);
        return new SafeTensorsHeader(file, headerLength, dataLength, metadata, tensors);
    }

    /** The header's top-level entries in order; duplicates are an error here, where JSON parsers keep the last. */
    private Map<String, JsonNode> parse(String json) throws SafeTensorsException {
        Map<String, JsonNode> entries = new LinkedHashMap<>();
        try (JsonParser parser = MAPPER.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                JsonNode node = parser.currentToken() == null ? null : MAPPER.readTree(parser);
                String found = node == null ? "an empty header"
                        : node.getNodeType().toString().toLowerCase(Locale.ROOT);
                throw new SafeTensorsException("Expected a JSON object as the header of " + file + " but found "
                        + found);
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                if (entries.put(name, MAPPER.readTree(parser)) != null) {
                    throw new SafeTensorsException("Duplicate key \"" + name + "\" in the header of " + file);
                }
            }
            JsonToken trailing = parser.nextToken();
            if (trailing != null) {
                throw malformed(parser.currentTokenLocation(), "unexpected '" + parser.getText()
                        + "' after the end of the header object");
            }
        } catch (JsonProcessingException e) {
            throw malformed(e.getLocation(), e.getOriginalMessage(), e);
        } catch (SafeTensorsException e) {
            throw e;
        } catch (IOException e) {
            throw new SafeTensorsException("Cannot parse the header of " + file + ": " + e.getMessage(), e);
        }
        return entries;
    }

    private Map<String, String> metadata(JsonNode node) throws SafeTensorsException {
        Map<String, String> metadata = new LinkedHashMap<>();
        if (node.isNull()) {
            return metadata; // the reference implementation reads it as an absent Option
        }
        if (!node.isObject()) {
            throw new SafeTensorsException("Invalid \"" + METADATA_KEY + "\" in " + file
                    + ": expected an object of strings but found " + describe(node));
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isTextual()) {
                throw new SafeTensorsException("Invalid \"" + METADATA_KEY + "\" in " + file + ": the value of \""
                        + entry.getKey() + "\" must be a string but is " + describe(entry.getValue()));
            }
            metadata.put(entry.getKey(), entry.getValue().textValue());
        }
        return metadata;
    }

    private TensorInfo tensor(String name, JsonNode node, long dataLength) throws SafeTensorsException {
        if (!node.isObject()) {
            throw invalid(name, "expected an object with \"dtype\", \"shape\" and \"data_offsets\" but found "
                    + describe(node));
        }
        DataType dtype = dtype(name, field(name, node, "dtype"));
        long[] shape = longs(name, node, "shape", "a list of integers");
        long[] offsets = longs(name, node, "data_offsets", "[begin, end]");
        for (long dim : shape) {
            if (dim < 0) {
                throw invalid(name, "negative dimension in shape " + SafeTensorsHeader.format(shape));
            }
        }
        if (offsets.length != 2 || offsets[0] < 0 || offsets[0] > offsets[1]) {
            throw invalid(name, "\"data_offsets\" must be [begin, end] with 0 <= begin <= end but is "
                    + SafeTensorsHeader.format(offsets));
        }
        long count = 1;
        for (long dim : shape) {
            count = SafeTensorsHeader.multiplySaturated(count, dim);
        }
        long expected = SafeTensorsHeader.multiplySaturated(count, dtype.getNumOfBytes());
        long actual = offsets[1] - offsets[0];
        if (expected != actual) {
            throw invalid(name, Dtypes.name(dtype) + " " + SafeTensorsHeader.format(shape) + " needs "
                    + (expected == Long.MAX_VALUE ? "more bytes than a file can hold" : expected + " bytes")
                    + " but data_offsets " + SafeTensorsHeader.format(offsets) + " span " + actual);
        }
        if (offsets[1] > dataLength) {
            throw new SafeTensorsException("Truncated file " + file + ": tensor \"" + name + "\" needs bytes ["
                    + offsets[0] + ", " + offsets[1] + ") of the data section but the file has only " + dataLength);
        }
        return new TensorInfo(name, dtype, new Shape(shape), offsets[0], offsets[1]);
    }

    /** Overlaps and gaps, in byte order: the reference implementation requires the tensors to tile the data. */
    private void checkCoverage(List<TensorInfo> tensors, long dataLength) throws SafeTensorsException {
        List<TensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long covered = 0;
        TensorInfo previous = null;
        for (TensorInfo tensor : byOffset) {
            if (tensor.begin() < covered) {
                throw new SafeTensorsException("Overlapping tensors in " + file + ": \"" + previous.name()
                        + "\" has bytes " + range(previous) + " of the data section and \"" + tensor.name()
                        + "\" has bytes " + range(tensor));
            }
            if (tensor.begin() > covered) {
                throw gap(covered, tensor.begin(), previous == null
                        ? "before the first tensor \"" + tensor.name() + "\""
                        : "between \"" + previous.name() + "\" and \"" + tensor.name() + "\"");
            }
            covered = tensor.end();
            previous = tensor;
        }
        if (covered < dataLength) {
            throw gap(covered, dataLength, previous == null
                    ? "the header lists no tensors" : "after the last tensor \"" + previous.name() + "\"");
        }
    }

    private SafeTensorsException gap(long begin, long end, String where) {
        return new SafeTensorsException("Gap in " + file + ": bytes [" + begin + ", " + end
                + ") of the data section belong to no tensor (" + where
                + "); safetensors requires the tensors to cover the data section without gaps");
    }

    private JsonNode field(String name, JsonNode node, String key) throws SafeTensorsException {
        JsonNode value = node.get(key);
        if (value == null) {
            throw invalid(name, "missing \"" + key + "\"");
        }
        return value;
    }

    private DataType dtype(String name, JsonNode node) throws SafeTensorsException {
        if (!node.isTextual()) {
            throw invalid(name, "\"dtype\" must be a string such as \"F32\" but is " + describe(node));
        }
        DataType dtype = Dtypes.fromName(node.textValue());
        if (dtype == null) {
            throw invalid(name, "unsupported dtype " + node + "; supported dtypes: " + Dtypes.supported());
        }
        return dtype;
    }

    private long[] longs(String name, JsonNode entry, String key, String expected) throws SafeTensorsException {
        JsonNode node = field(name, entry, key);
        long[] values = new long[node.isArray() ? node.size() : 0];
        boolean valid = node.isArray();
        for (int i = 0; valid && i < values.length; i++) {
            JsonNode value = node.get(i);
            valid = value.isIntegralNumber() && value.canConvertToLong();
            values[i] = valid ? value.longValue() : 0;
        }
        if (!valid) {
            throw invalid(name, "\"" + key + "\" must be " + expected + " but is " + describe(node));
        }
        return values;
    }

    private SafeTensorsException invalid(String name, String detail) {
        return new SafeTensorsException("Invalid tensor \"" + name + "\" in " + file + ": " + detail);
    }

    private SafeTensorsException malformed(JsonLocation location, String detail) {
        return malformed(location, detail, null);
    }

    private SafeTensorsException malformed(JsonLocation location, String detail, Throwable cause) {
        String where = location == null ? "" : " at line " + location.getLineNr() + ", column "
                + location.getColumnNr();
        return new SafeTensorsException("Malformed JSON in the header of " + file + where + ": " + detail, cause);
    }

    private String decode(ByteBuffer bytes) throws SafeTensorsException {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer chars = utf8.decode(bytes);
            return chars.toString();
        } catch (MalformedInputException e) {
            throw new SafeTensorsException("Malformed header in " + file + ": not valid UTF-8 at byte "
                    + (Long.BYTES + bytes.position()) + " of the file", e);
        } catch (CharacterCodingException e) {
            throw new SafeTensorsException("Malformed header in " + file + ": not valid UTF-8", e);
        }
    }

    private static String range(TensorInfo tensor) {
        return "[" + tensor.begin() + ", " + tensor.end() + ")";
    }

    /** A JSON value for a message: itself when short, else its type. */
    private static String describe(JsonNode node) {
        String text = node.toString();
        return text.length() <= 40 ? text : "a long " + node.getNodeType().toString().toLowerCase(Locale.ROOT);
    }

    /** Exactly {@code length} bytes from {@code position}; the caller has checked that the file holds them. */
    static ByteBuffer readFully(Path file, FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new SafeTensorsException(file + " shrank while being read: expected " + length
                        + " bytes at position " + position);
            }
        }
        return buffer.flip();
    }
}
