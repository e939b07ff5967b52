package dev.reprodiff.determinism;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

class DeterminismTests {

    @Test
    void enableFullDeterminismAndReadItBackFromLibtorch() {
        Determinism.Settings before = Determinism.current();
        try (Determinism.Snapshot snapshot = Determinism.enableFullDeterminism(1)) {
            assertThat(snapshot.previous()).isEqualTo(before);
            assertThat(Determinism.current()).isEqualTo(Determinism.Settings.full(1));
        }
        assertThat(Determinism.current()).isEqualTo(before);
    }

    @Test
    void applyEverySwitchIndependently() {
        Determinism.Settings before = Determinism.current();
        Determinism.Settings odd = new Determinism.Settings(true, true, true, true, true, true, "medium", true, 2);
        try {
            Determinism.apply(odd);
            assertThat(Determinism.current()).isEqualTo(odd);
        } finally {
            Determinism.apply(before);
        }
        assertThat(Determinism.current()).isEqualTo(before);
    }

    @Test
    void defaultsAreLibtorchs() {
        Determinism.Settings current = Determinism.current();
        assertThat(current.deterministicAlgorithms()).isFalse();
        assertThat(current.float32MatmulPrecision()).isEqualTo("highest");
    }

    @Test
    void explainHowToSetTheCublasWorkspaceConfig() {
        assertThatNoException().isThrownBy(() -> Determinism.requireCublasWorkspaceConfig(":4096:8"));
        assertThatIllegalStateException().isThrownBy(() -> Determinism.requireCublasWorkspaceConfig(null))
                .withMessage("Deterministic CUDA runs need CUBLAS_WORKSPACE_CONFIG=:4096:8 (or :16:8) in the"
                        + " environment before CUDA starts, but it is unset; Java cannot set it for libtorch"
                        + " afterwards. Set it in the shell (export CUBLAS_WORKSPACE_CONFIG=:4096:8), or in Maven"
                        + " Surefire's configuration: <environmentVariables><CUBLAS_WORKSPACE_CONFIG>:4096:8"
                        + "</CUBLAS_WORKSPACE_CONFIG></environmentVariables>, or run the tests with the reprodiff"
                        + " Maven plugin, which sets it");
    }

    @Test
    void aLibraryWithoutAtContextSaysWhatIsUnavailableAndWhatStillWorks() {
        Path libjava = Path.of(System.getProperty("java.home"), "lib", System.mapLibraryName("java"));
        assertThatExceptionOfType(UnsupportedOperationException.class)
                .isThrownBy(() -> Determinism.Native.bind(libjava))
                .withMessage("Determinism cannot reach libtorch's at::Context on Linux amd64: " + libjava
                        + " exports no _ZN2at13globalContextEv. It calls libtorch's C++ functions by their GCC/Clang"
                        + " names (Linux, macOS). Unavailable here: Determinism.current, apply and"
                        + " enableFullDeterminism, and @Deterministic (deterministic algorithms, cuDNN determinism,"
                        + " TF32). Still working: the Generator, goldens and tolerances, and DJL's own switches"
                        + " (JniUtils.setNumThreads, JniUtils.setGraphExecutorOptimize)");
    }

    @Test
    void aLibraryThatCannotBeOpenedIsNamed(@TempDir Path folder) {
        Path missing = folder.resolve("libtorch_cpu.so");
        assertThatExceptionOfType(UnsupportedOperationException.class)
                .isThrownBy(() -> Determinism.Native.bind(missing))
                .withMessageStartingWith("Determinism cannot reach libtorch's at::Context on Linux amd64: " + missing
                        + " cannot be opened (")
                .withMessageEndingWith("Still working: the Generator, goldens and tolerances, and DJL's own switches"
                        + " (JniUtils.setNumThreads, JniUtils.setGraphExecutorOptimize)");
    }
}
