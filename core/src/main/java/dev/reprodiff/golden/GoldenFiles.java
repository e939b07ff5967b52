package dev.reprodiff.golden;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The file rules every reader and writer of goldens shares: the JSON mapping of manifests and result files
 * (snake_case keys, unknown keys ignored so that older readers read newer files), digests, atomic writes with short
 * hidden temporary names, file names that fit the 255-byte limit, and the lock that serialises recordings in one
 * golden folder across threads and JVMs.
 */
public final class GoldenFiles {

    /** The JSON mapping of {@link GoldenManifest} and {@link GoldenResult}. */
    public static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** The lock file in a golden folder: {@value}. Empty; it may be committed or ignored. */
    public static final String LOCK_FILE = ".reprodiff.lock";

    /** The longest file name (in UTF-8 bytes) that Linux, macOS and Windows file systems all take. */
    public static final int MAX_FILE_NAME_BYTES = 255;

    /** {@code .reprodiff-<pid>-<hex>.tmp}, as this class and the safetensors writer name temporary files. */
    private static final Pattern TEMPORARY = Pattern.compile("\\.reprodiff-(\\d+)-[0-9a-f]+\\.tmp");
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private GoldenFiles() {
    }

    /** A file's SHA-256 (the golden's identity, in its file name) and CRC32C (checked on every read), and size. */
    public record Digests(String sha256, String crc32c, long bytes) {
    }

    /**
     * Writes {@code bytes} to a temporary file beside {@code file}, forces it to disk, then renames it over
     * {@code file}: a reader sees the old file or the new one, never a part, also after a power loss. The file gets
     * the umask's permissions, as every other file the build writes. For manifests, which are committed.
     */
    public static void writeAtomically(Path file, byte[] bytes) throws IOException {
        writeAtomically(file, bytes, true);
    }

    /**
     * As {@link #writeAtomically}, without forcing the bytes to disk: for the files a run leaves in its build folder
     * (result files, usage), which a killed process must not leave half written but a power loss may lose; forcing
     * each cost more than the comparison of a 64 MiB golden.
     */
    public static void writeArtifact(Path file, byte[] bytes) throws IOException {
        writeAtomically(file, bytes, false);
    }

    private static void writeAtomically(Path file, byte[] bytes, boolean durable) throws IOException {
        Path temp = newTemporaryFile(file.toAbsolutePath().getParent());
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                if (durable) {
                    channel.force(true);
                }
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * A new, empty, hidden file in {@code dir} named {@code .reprodiff-<pid>-<hex>.tmp}: short whatever the target's
     * name, and naming the JVM that writes it, so that a later run can tell a file left by a killed writer from one
     * being written ({@link #leftoverTemporaryFiles}).
     */
    public static Path newTemporaryFile(Path dir) throws IOException {
        while (true) {
            Path temp = dir.resolve(".reprodiff-" + ProcessHandle.current().pid() + "-"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ".tmp");
            try {
                // Not Files.createTempFile, which makes the file 0600 whatever the umask says.
                Files.newByteChannel(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return temp;
            } catch (FileAlreadyExistsException e) {
                // another writer's temporary file; draw another name
            }
        }
    }

    /** The temporary files under {@code dir} whose writing JVM is gone (killed mid-write), in path order. */
    public static List<Path> leftoverTemporaryFiles(Path dir) throws IOException {
        return regularFiles(dir).stream().filter(GoldenFiles::isLeftover).toList();
    }

    /**
     * The regular files under {@code dir}, in path order, read while other JVMs may be recording into it: a file
     * that vanishes between listing and reading (a temporary file renamed into place) is skipped, not an error.
     */
    public static List<Path> regularFiles(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return files;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (attributes.isRegularFile()) {
                    files.add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        files.sort(null);
        return files;
    }

    private static boolean isLeftover(Path file) {
        Matcher matcher = TEMPORARY.matcher(file.getFileName().toString());
        if (!matcher.matches()) {
            return false;
        }
        long pid = Long.parseLong(matcher.group(1));
        return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    }

    /**
     * {@code stem + suffix}, shortened to {@link #MAX_FILE_NAME_BYTES} when it is longer: the stem keeps its start
     * and gets {@code ~} and 8 hex digits of its SHA-256, so that two long stems with one beginning stay apart
     * ({@code ~} is never part of a golden name).
     */
    public static String fitFileName(String stem, String suffix) {
        String name = stem + suffix;
        if (utf8Length(name) <= MAX_FILE_NAME_BYTES) {
            return name;
        }
        String tag = "~" + sha256(stem.getBytes(StandardCharsets.UTF_8)).substring(0, 8);
        int budget = MAX_FILE_NAME_BYTES - utf8Length(tag + suffix);
        StringBuilder kept = new StringBuilder();
        for (int i = 0; i < stem.length(); ) {
            int codePoint = stem.codePointAt(i);
            String next = new String(Character.toChars(codePoint));
            if (utf8Length(kept + next) > budget) {
                break;
            }
            kept.append(next);
            i += Character.charCount(codePoint);
        }
        return kept + tag + suffix;
    }

    /**
     * The content-addressed name of a tensor file: {@code tiny.1f2e3d4c5b6a7980.safetensors} for the default variant,
     * {@code tiny@cpu.1f2e3d4c5b6a7980.safetensors} for another, from the last segment of the golden's name and the
     * first 16 hex digits of the file's SHA-256. A new recording gets a new file, so that its manifest can switch to
     * it in one atomic rename and the old file is removed only afterwards.
     */
    public static String tensorFileName(String lastSegment, String variant, String sha256) {
        String stem = RecordAs.DEFAULT_VARIANT.equals(variant) ? lastSegment : lastSegment + "@" + variant;
        return fitFileName(stem, "." + sha256.substring(0, 16) + ".safetensors");
    }

    /** The SHA-256 and CRC32C of a file's bytes, in one read. */
    public static Digests digests(Path file) throws IOException {
        MessageDigest sha = sha256Digest();
        CRC32C crc = new CRC32C();
        long bytes = 0;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
            while (channel.read(buffer.clear()) >= 0) {
                buffer.flip();
                bytes += buffer.remaining();
                crc.update(buffer.duplicate());
                sha.update(buffer);
            }
        }
        return new Digests(HexFormat.of().formatHex(sha.digest()), crc32c(crc), bytes);
    }

    /** The lower-case hexadecimal SHA-256 of the file's bytes. */
    public static String sha256(Path file) throws IOException {
        return digests(file).sha256();
    }

    /** A CRC32C value as manifests record it: 8 lower-case hex digits. */
    public static String crc32c(CRC32C crc) {
        return String.format("%08x", crc.getValue());
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256Digest().digest(bytes));
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * Takes the recording lock of a golden folder: first this JVM's lock for the folder (a JVM holds file locks for
     * all its threads, and a second lock on the same file from this JVM would throw), then an exclusive lock on its
     * {@value #LOCK_FILE}, which other JVMs (Surefire forks, a second {@code mvn}) wait for. Holding it, a recording
     * reads the manifest, adds its variant and writes the manifest back without losing another's.
     */
    public static DirectoryLock lockDirectory(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath().normalize();
        Files.createDirectories(absolute);
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(absolute, k -> new ReentrantLock());
        jvmLock.lock();
        try {
            FileChannel channel = FileChannel.open(absolute.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            try {
                return new DirectoryLock(jvmLock, channel, channel.lock());
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            jvmLock.unlock();
            throw e;
        }
    }

    /** A held recording lock of a golden folder; closing releases it. */
    public static final class DirectoryLock implements AutoCloseable {

        private final ReentrantLock jvmLock;
        private final FileChannel channel;
        private final FileLock fileLock;

        private DirectoryLock(ReentrantLock jvmLock, FileChannel channel, FileLock fileLock) {
            this.jvmLock = jvmLock;
            this.channel = channel;
            this.fileLock = fileLock;
        }

        @Override
        public void close() throws IOException {
            try {
                fileLock.release();
                channel.close();
            } finally {
                jvmLock.unlock();
            }
        }
    }
}
