package dev.reprodiff.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.reprodiff.engine.PyTorchEngine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Run in a child JVM: loads a weights file over and over; exit 3 with the message once loading is refused. */
public final class LoadLoop {

    private LoadLoop() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        try (NDManager manager = PyTorchEngine.newManager()) {
            for (int round = 0; round < 10_000; round++) {
                Map<String, NDArray> arrays = SafeTensors.load(file, manager);
                arrays.values().forEach(NDArray::close);
                System.out.println("loaded " + round);
            }
        } catch (SafeTensorsException e) {
            System.out.println("refused: " + e.getMessage());
            System.exit(3);
        }
        System.out.println("the file never changed");
    }
}
