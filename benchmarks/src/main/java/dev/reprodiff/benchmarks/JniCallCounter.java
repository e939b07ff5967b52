package dev.reprodiff.benchmarks;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Java agent that counts DJL's calls into libtorch: every {@code PyTorchLibrary} native method that DJL's PyTorch
 * engine invokes (each one JNI crossing), and every {@code PtNDArray} it constructs. Loaded with
 * {@code -javaagent:benchmarks/target/jni-counter.jar} (which {@code benchmarks/run} builds); the rewritten call
 * sites only add a static counter increment, so the counts are exact.
 */
public final class JniCallCounter {

    private static final String LIBRARY = "ai/djl/pytorch/jni/PyTorchLibrary";
    private static final String ARRAY = "ai/djl/pytorch/engine/PtNDArray";
    private static final String SELF = JniCallCounter.class.getName().replace('.', '/');

    private static volatile boolean installed;
    private static long calls;
    private static long arrays;
    private static final Map<String, Long> BY_METHOD = new HashMap<>();

    private JniCallCounter() {
    }

    /** The agent's entry point: rewrites DJL's PyTorch classes as they load. */
    public static void premain(String arguments, Instrumentation instrumentation) {
        instrumentation.addTransformer(new Rewriter());
        installed = true;
    }

    /** Whether the JVM runs with the agent; without it the counts stay zero. */
    public static boolean installed() {
        return installed;
    }

    /** JNI calls into libtorch so far (all threads; the counted code runs on one). */
    public static long calls() {
        return calls;
    }

    /** PtNDArray objects constructed so far. */
    public static long arrays() {
        return arrays;
    }

    /** Calls per native method so far, most called first. */
    public static Map<String, Long> callsByMethod() {
        Map<String, Long> sorted = new LinkedHashMap<>();
        BY_METHOD.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /** Called before each native call by the rewritten code, with the native method's name. */
    public static void call(String method) {
        calls++;
        BY_METHOD.merge(method, 1L, Long::sum);
    }

    /** Called at the start of each PtNDArray constructor by the rewritten code. */
    public static void array() {
        arrays++;
    }

    private static final class Rewriter implements ClassFileTransformer {

        @Override
        public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                                byte[] bytes) {
            if (className == null || !className.startsWith("ai/djl/pytorch/") || className.equals(LIBRARY)) {
                return null;
            }
            ClassReader reader = new ClassReader(bytes);
            ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS); // frames are unchanged
            reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
                @Override
                public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                                 String[] exceptions) {
                    MethodVisitor method = super.visitMethod(access, name, descriptor, signature, exceptions);
                    boolean constructor = className.equals(ARRAY) && name.equals("<init>");
                    return new MethodVisitor(Opcodes.ASM9, method) {
                        @Override
                        public void visitCode() {
                            super.visitCode();
                            if (constructor) {
                                super.visitMethodInsn(Opcodes.INVOKESTATIC, SELF, "array", "()V", false);
                            }
                        }

                        @Override
                        public void visitMethodInsn(int opcode, String owner, String name, String descriptor,
                                                    boolean isInterface) {
                            if (owner.equals(LIBRARY) && opcode == Opcodes.INVOKEVIRTUAL) {
                                super.visitLdcInsn(name);
                                super.visitMethodInsn(Opcodes.INVOKESTATIC, SELF, "call", "(Ljava/lang/String;)V",
                                        false);
                            }
                            super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
                        }
                    };
                }
            }, 0);
            return writer.toByteArray();
        }
    }
}
