package dev.reprodiff.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** Writes a safetensors file atomically: a temporary file in the same directory, renamed over the target. */
final class SafeTensorsWriter {

    /** One tensor to write: its header entry, and what puts exactly {@code byteLength} bytes on the channel. */
    record Entry(String name, String dtype, long[] shape, long byteLength, Data data) {
    }

    /** Writes a tensor's bytes, little-endian and row-major. */
    @FunctionalInterface
    interface Data {
        void writeTo(FileChannel channel) throws IOException;
    }

    private static final JsonFactory JSON = new JsonFactory();

    private SafeTensorsWriter() {
    }

    static void write(Path file, List<Entry> entries, Map<String, String> metadata) throws IOException {
        byte[] header = header(entries, metadata);
        Path temp = createTemp(file);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                writeFully(channel, ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(0, header.length));
                writeFully(channel, ByteBuffer.wrap(header));
                for (Entry entry : entries) {
                    long start = channel.position();
                    entry.data().writeTo(channel);
                    if (channel.position() - start != entry.byteLength()) {
                        throw new IllegalStateException("Wrote " + (channel.position() - start) + " bytes for tensor \""
                                + entry.name() + "\" but its header entry says " + entry.byteLength());
                    }
                }
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (Throwable e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The JSON header, padded with spaces to a multiple of 8 bytes as the reference implementation does. */
    static byte[] header(List<Entry> entries, Map<String, String> metadata) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(bytes)) {
            json.writeStartObject();
            long offset = 0;
            for (Entry entry : entries) {
                json.writeObjectFieldStart(entry.name());
                json.writeStringField("dtype", entry.dtype());
                json.writeFieldName("shape");
                json.writeArray(entry.shape(), 0, entry.shape().length);
                json.writeFieldName("data_offsets");
                json.writeArray(new long[] {offset, offset + entry.byteLength()}, 0, 2);
                json.writeEndObject();
                offset += entry.byteLength();
            }
            if (!metadata.isEmpty()) { // last, as the reference implementation writes it
                json.writeObjectFieldStart(HeaderReader.METADATA_KEY);
                for (Map.Entry<String, String> entry : metadata.entrySet()) {
                    json.writeStringField(entry.getKey(), entry.getValue());
                }
                json.writeEndObject();
            }
            json.writeEndObject();
        }
        while (bytes.size() % 8 != 0) {
            bytes.write(' ');
        }
        if (bytes.size() > HeaderReader.MAX_HEADER_LENGTH) {
            throw new IllegalArgumentException("The header would take " + bytes.size()
                    + " bytes, over the safetensors limit of " + HeaderReader.MAX_HEADER_LENGTH);
        }
        return bytes.toByteArray();
    }

    static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /**
     * A new, empty, hidden file next to {@code file}, {@code .reprodiff-<pid>-<hex>.tmp}: short whatever the target's
     * name (a 250-character target would otherwise exceed the 255-byte file name limit), and naming the writing JVM,
     * so that a file left by a killed writer can be told from one being written. Unlike Files.createTempFile it
     * gets the umask's permissions.
     */
    private static Path createTemp(Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        while (true) {
            Path temp = absolute.resolveSibling(".reprodiff-" + ProcessHandle.current().pid() + "-"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ".tmp");
            try {
                Files.newByteChannel(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return temp;
            } catch (FileAlreadyExistsException e) {
                // another writer's temporary file; draw another name
            }
        }
    }
}
