package dev.reprodiff.cli;

import ai.djl.engine.Engine;
import dev.reprodiff.engine.PyTorchEngine;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code reprodiff} command line: {@code reprodiff generate ...}, {@code reprodiff noise ...}, {@code reprodiff train ...}. */
@Command(name = "reprodiff", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Reproducible diffusion pipelines on the JVM: the same seed gives the same numbers as PyTorch.",
        subcommands = {GenerateCommand.class, NoiseCommand.class, TrainCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the command line with the given streams and returns the exit code (0 ok, 1 failed, 2 bad usage). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler(new CliErrors());
        return commandLine.execute(args);
    }

    /** reprodiff's version from the jar's manifest, DJL's, and that of the libtorch the engine loads. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"reprodiff " + (version == null ? "(development build, no jar manifest)" : version),
                "DJL " + Engine.getDjlVersion() + " (PyTorch engine)",
                "libtorch " + PyTorchEngine.get().getVersion()};
        }
    }
}
