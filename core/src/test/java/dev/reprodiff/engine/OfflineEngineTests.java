package dev.reprodiff.engine;

import ai.djl.engine.Engine;
import ai.djl.util.Utils;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** libtorch comes from the pytorch-native-cpu jar on the classpath: the engine starts with DJL's offline switch on. */
class OfflineEngineTests {

    @Test
    void pytorchEngineStartsOfflineAndReportsPyTorch271() {
        assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
        assertThat(Utils.isOfflineMode()).isTrue();
        Engine engine = Engine.getEngine("PyTorch");
        assertThat(engine.getEngineName()).isEqualTo("PyTorch");
        assertThat(engine.getVersion()).isEqualTo("2.7.1");
    }
}
