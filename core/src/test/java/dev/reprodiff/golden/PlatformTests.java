package dev.reprodiff.golden;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PlatformTests {

    private static final Set<String> ZEN4 = Set.of("fma", "avx", "avx2", "avx512f", "avx512dq", "avx512bw",
            "avx512vl", "avx512cd");
    private static final Set<String> ZEN3 = Set.of("fma", "avx", "avx2");

    @Test
    void cpuCapabilityFollowsTheFlagsLibtorchsDispatcherReads() {
        assertThat(Platform.cpuCapability(null, ZEN4)).isEqualTo("avx512");
        assertThat(Platform.cpuCapability(null, ZEN3)).isEqualTo("avx2");
        assertThat(Platform.cpuCapability(null, Set.of("avx512f", "avx2"))).isEqualTo("default");
        assertThat(Platform.cpuCapability("", Set.of())).isEqualTo("default");
    }

    @Test
    void atenCpuCapabilityCanOnlyLowerTheChoice() {
        assertThat(Platform.cpuCapability("AVX2", ZEN4)).isEqualTo("avx2");
        assertThat(Platform.cpuCapability("default", ZEN4)).isEqualTo("default");
        assertThat(Platform.cpuCapability("avx512", ZEN3)).isEqualTo("avx2");
        assertThat(Platform.cpuCapability("sve256", ZEN3)).isEqualTo("avx2");
    }

    @Test
    void oneModelNameWithAnotherInstructionSetIsNotTheSamePlatform() {
        Platform avx512 = cpu("avx512");
        assertThat(avx512.sameAs(cpu("avx512"))).isTrue();
        assertThat(avx512.sameAs(cpu("avx2"))).isFalse();
        assertThat(avx512.sameAs(cpu(null))).isFalse();
        assertThat(cpu(null).sameAs(cpu(null))).isFalse();
    }

    @Test
    void describeNamesTheKernelsWhenKnown() {
        assertThat(cpu("avx2").describe())
                .isEqualTo("cpu \"AMD EPYC\" (avx2, Linux amd64, libtorch 2.7.1, DJL 0.36.0, 1 thread)");
        assertThat(cpu(null).describe())
                .isEqualTo("cpu \"AMD EPYC\" (Linux amd64, libtorch 2.7.1, DJL 0.36.0, 1 thread)");
    }

    private static Platform cpu(String capability) {
        return new Platform("Linux", "amd64", "AMD EPYC", capability, "cpu", "AMD EPYC", null, null, "2.7.1",
                "0.36.0", 1, Map.of());
    }
}
