package dev.reprodiff.engine;

import ai.djl.util.ClassLoaderUtils;
import ai.djl.util.Platform;
import ai.djl.util.Utils;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where DJL would find libtorch and its JNI binding, read the way DJL's {@code LibUtils} looks (PYTORCH_LIBRARY_PATH,
 * the {@code native/lib/pytorch.properties} of a pytorch-native jar, the {@code jnilib/} of pytorch-jni, DJL's cache
 * folder); where it finds neither, it downloads.
 */
record NativeLibraries(String classifier, String pytorchVersion, String djlVersion, String libraryPath,
                       boolean libtorchInLibraryPath, boolean jniInLibraryPath, boolean nativeJar, String jniVersion,
                       boolean libtorchCached, boolean jniCached) {

    /** The classifiers of DJL's pytorch-native-cpu 2.7.1 jars on Maven Central. */
    static final List<String> PUBLISHED_CLASSIFIERS = List.of("linux-x86_64", "linux-aarch64", "osx-aarch64",
            "win-x86_64");

    private static final Pattern RELEASE = Pattern.compile("\\d+\\.\\d+\\.\\d+");

    static NativeLibraries detect() {
        Platform platform = Platform.detectPlatform("pytorch");
        String version = platform.getVersion();
        // A native jar's version carries its build date (2.7.1-20250812); artifacts and the JNI go by 2.7.1.
        Matcher release = RELEASE.matcher(version);
        String pytorchVersion = release.lookingAt() ? release.group() : version;
        String djlVersion = Platform.fromSystem("pytorch").getApiVersion();
        String libName = System.mapLibraryName("torch");
        String jniName = System.mapLibraryName("djl_torch");
        String libraryPath = Utils.getEnvOrSystemProperty("PYTORCH_LIBRARY_PATH");
        boolean libtorchInPath = false;
        boolean jniInPath = false;
        if (libraryPath != null && !libraryPath.isEmpty()) {
            for (String folder : libraryPath.split(File.pathSeparator)) {
                Path dir = Path.of(folder);
                libtorchInPath |= Files.isRegularFile(dir.resolve(libName));
                jniInPath |= Files.isRegularFile(dir.resolve(jniName))
                        || Files.isRegularFile(dir.resolve(djlVersion + '-' + jniName));
            }
        }
        Path cached = Utils.getEngineCacheDir("pytorch")
                .resolve(version + '-' + platform.getFlavor() + '-' + platform.getClassifier());
        return new NativeLibraries(platform.getClassifier(), pytorchVersion, djlVersion, libraryPath, libtorchInPath,
                jniInPath, !platform.isPlaceholder(), readJniVersion(), Files.isRegularFile(cached.resolve(libName)),
                Files.isRegularFile(cached.resolve(djlVersion + '-' + jniName)));
    }

    /** The {@code jni_version} of pytorch-jni's {@code jnilib/pytorch.properties}, or null without that jar. */
    private static String readJniVersion() {
        try {
            URL url = ClassLoaderUtils.getResource("jnilib/pytorch.properties");
            if (url == null) {
                return null;
            }
            try (InputStream in = url.openStream()) {
                Properties properties = new Properties();
                properties.load(in);
                return properties.getProperty("jni_version");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read pytorch-jni's jnilib/pytorch.properties", e);
        }
    }

    /** What is missing, as one message naming what to add; empty when DJL will load without downloading. */
    Optional<String> missing() {
        boolean libtorch = libtorchInLibraryPath || nativeJar || libtorchCached;
        boolean jni = jniInLibraryPath || jniCached
                || (jniVersion != null && jniVersion.startsWith(pytorchVersion + '-' + djlVersion));
        if (libtorch && jni) {
            return Optional.empty();
        }
        String libtorchName = "libtorch " + pytorchVersion + " for " + classifier;
        String jniName = "the JNI binding of libtorch " + pytorchVersion + " for DJL " + djlVersion
                + (jniVersion == null ? "" : " (pytorch-jni " + jniVersion + " is there, for another version)");
        String what = !libtorch && !jni ? "neither " + libtorchName + " nor " + jniName + " is"
                : !libtorch ? libtorchName + " is not" : jniName + " is not";
        boolean published = PUBLISHED_CLASSIFIERS.contains(classifier);
        List<String> add = new ArrayList<>();
        if (!libtorch && published) {
            add.add("ai.djl.pytorch:pytorch-native-cpu:" + pytorchVersion + ':' + classifier);
        }
        if (!jni) {
            add.add("ai.djl.pytorch:pytorch-jni:" + pytorchVersion + '-' + djlVersion);
        }
        StringBuilder fix = new StringBuilder();
        if (!libtorch && !published) {
            fix.append("DJL publishes no libtorch ").append(pytorchVersion).append(" jar for ").append(classifier)
                    .append(" (only for ").append(String.join(", ", PUBLISHED_CLASSIFIERS)).append("); ");
        }
        if (!add.isEmpty()) {
            fix.append("add ").append(String.join(" and ", add)).append(" to your build (runtime or test scope)");
        }
        if (!libtorch) {
            fix.append(add.isEmpty() ? "" : ", or ").append("set PYTORCH_LIBRARY_PATH to the lib folder of a libtorch ")
                    .append(pytorchVersion).append(" install (the way to CUDA builds)");
            if (libraryPath != null && !libraryPath.isEmpty()) {
                fix.append("; PYTORCH_LIBRARY_PATH is \"").append(libraryPath).append("\", which holds no ")
                        .append(System.mapLibraryName("torch"));
            }
        }
        return Optional.of("DJL's PyTorch engine cannot start: " + what + " on the classpath, and DJL would download"
                + " it at run time, which reprodiff does not let it do. To fix it, " + fix + '.');
    }
}
