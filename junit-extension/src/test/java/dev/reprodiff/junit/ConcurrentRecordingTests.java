package dev.reprodiff.junit;

import dev.reprodiff.golden.GoldenFiles;
import dev.reprodiff.golden.GoldenInventory;
import dev.reprodiff.golden.GoldenManifest;
import dev.reprodiff.golden.GoldenProperties;
import dev.reprodiff.golden.RunJournal;
import dev.reprodiff.io.SafeTensors;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Real child JVMs recording at once, and killed while recording. */
class ConcurrentRecordingTests {

    private static final int JVMS = 4;
    private static final int THREADS = 4;
    private static final int GOLDENS = 30;

    @TempDir
    Path dir;

    private static ProcessBuilder child(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), RecordingChild.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true);
    }

    private static String finish(Process process) throws IOException, InterruptedException {
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return output;
    }

    /** Before the cross-process lock, 3 JVMs lost 2 to 5 of 30 manifest entries per run. */
    @RepeatedTest(5)
    void fourJvmsOfFourThreadsRecordingVariantsOfThirtyGoldensLoseNothing() throws Exception {
        List<Process> children = new ArrayList<>();
        for (int jvm = 0; jvm < JVMS; jvm++) {
            children.add(child("variants", dir.toString(), "jvm-" + jvm, Integer.toString(THREADS),
                    Integer.toString(GOLDENS)).start());
        }
        for (Process process : children) {
            String output = finish(process);
            assertThat(process.exitValue()).as(output).isZero();
        }
        GoldenStore store = new GoldenStore(dir);
        for (int g = 0; g < GOLDENS; g++) {
            Map<String, GoldenManifest.Variant> variants = store.readManifest("g" + g).orElseThrow().variants;
            assertThat(variants).as("g" + g).containsOnlyKeys("jvm-0", "jvm-1", "jvm-2", "jvm-3");
            for (Map.Entry<String, GoldenManifest.Variant> variant : variants.entrySet()) {
                Path file = dir.resolve(variant.getValue().file());
                assertThat(GoldenFiles.sha256(file)).isEqualTo(variant.getValue().sha256());
                assertThat(SafeTensors.readFloats(file, "golden")).containsExactly(RecordingChild.values(g,
                        variant.getKey()));
            }
        }
        GoldenInventory inventory = GoldenInventory.scan(dir);
        assertThat(inventory.orphans()).isEmpty();
        assertThat(inventory.problems()).isEmpty();
        assertThat(inventory.leftovers()).isEmpty();
        assertThat(inventory.keys()).hasSize(JVMS * GOLDENS);
    }

    /**
     * Before, the tensor was renamed into place and then the manifest written: a kill between the two left new data
     * under the old manifest, and the next run called the golden corrupt. Now a killed recording leaves the old
     * golden or the new one, whole.
     */
    @Test
    void aGoldenKilledWhileRecordingIsStillTheOldOrTheNewOne() throws Exception {
        int elements = 1 << 20;
        new GoldenStore(dir).record("loop", "default", ActualTensor.of(RecordingChild.loopValues(elements, 0),
                new long[] {elements}, false), RecordingChild.provenance("parent", elements));
        SplittableRandom random = new SplittableRandom(7);
        int leftovers = 0;
        for (int kill = 0; kill < 8; kill++) {
            Process process = child("loop", dir.toString(), Integer.toString(elements)).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            assertThat(out.readLine()).startsWith("recorded");
            Thread.sleep(random.nextInt(60));
            process.destroyForcibly().waitFor();   // SIGKILL: nothing in the child runs after it
            GoldenStore store = new GoldenStore(dir);
            GoldenStore.Loaded golden = store.load(store.select("loop", RecordingChild.PLATFORM, null)
                    .orElseThrow());
            assertThat(golden.data()[0]).isIn(0.25f, 0.75f);
            assertThat(golden.data()[elements - 1]).isEqualTo(golden.data()[0]);
            assertThat(GoldenInventory.scan(dir).problems()).isEmpty();
            leftovers += GoldenFiles.leftoverTemporaryFiles(dir).size();
        }
        new GoldenStore(dir).removeLeftovers();
        assertThat(GoldenFiles.leftoverTemporaryFiles(dir)).isEmpty();
        new GoldenStore(dir).record("loop", "default", ActualTensor.of(RecordingChild.loopValues(elements, 0),
                new long[] {elements}, false), RecordingChild.provenance("parent", elements));
        assertThat(GoldenInventory.scan(dir).orphans()).as("removed by the next recording of the golden")
                .isEmpty();
        System.out.println("ConcurrentRecordingTests: " + leftovers + " temporary files left by 8 kills");
    }

    @Goldens
    static class HaltingTestCase {
        @Test
        void records(Golden golden) {
            golden.verify("crash/one", new float[] {1, 2}, 2);
            Runtime.getRuntime().halt(3);   // as kill -9 would: no shutdown hook, no afterEach
        }
    }

    @Test
    void aJvmThatDiesWhileRecordingLeavesItsUnfinishedTestsInTheJournal() throws Exception {
        Path artifacts = dir.resolve("artifacts");
        Process process = child("engine", HaltingTestCase.class.getName(), "reprodiff.golden.dir=" + dir,
                "reprodiff.artifacts.dir=" + artifacts, "reprodiff.ci=false", "reprodiff.golden.mode=record",
                GoldenProperties.RUN_ID + "=crash-run").start();
        String output = finish(process);
        assertThat(process.exitValue()).as(output).isEqualTo(3);
        assertThat(dir.resolve("crash")).doesNotExist();
        List<RunJournal.Unfinished> unfinished = RunJournal.unfinished(RunJournal.folder(artifacts, "crash-run"));
        assertThat(unfinished).singleElement().satisfies(test -> {
            assertThat(test.test()).isEqualTo(HaltingTestCase.class.getName() + "#records");
            assertThat(test.staged()).containsExactly("crash/one");
            assertThat(test.pid()).isEqualTo(process.pid());
        });
        assertThat(Files.list(RunJournal.folder(artifacts, "crash-run")).count()).isEqualTo(1);
    }
}
