package dev.reprodiff.engine;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;

/** Run in a child JVM: starts the engine through reprodiff's door; exit 3 and the message when it refuses. */
public final class EngineProbe {

    private EngineProbe() {
    }

    public static void main(String[] args) {
        try (NDManager manager = PyTorchEngine.newManager()) {
            System.out.println("engine started: libtorch " + manager.getEngine().getVersion());
        } catch (EngineException e) {
            System.out.println("refused: " + e.getMessage());
            System.exit(3);
        }
    }
}
