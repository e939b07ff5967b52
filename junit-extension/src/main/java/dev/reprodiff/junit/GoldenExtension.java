package dev.reprodiff.junit;

import ai.djl.pytorch.jni.JniUtils;
import dev.reprodiff.engine.PyTorchEngine;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.DynamicTestInvocationContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

import java.lang.reflect.Method;

/**
 * Injects {@link Golden} and binds the invocation's golden session to the thread that runs the test body; the
 * session, kept in the invocation's store, commits its recordings when the store closes it after the test.
 */
final class GoldenExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver,
        InvocationInterceptor {

    private static final ExtensionContext.Namespace THREADS = ExtensionContext.Namespace.create(
            GoldenExtension.class, "calibration-threads");

    @Override
    public void beforeEach(ExtensionContext context) {
        GoldenSession.of(context);   // reads and validates the configuration before the test runs
        setCalibrationThreads(context);
    }

    /**
     * In a calibration run with a thread count, sets libtorch's intra-op threads for the test (on its thread, where
     * libtorch keeps the count), unless {@code @Deterministic}'s switches fix the test's own count.
     */
    private static void setCalibrationThreads(ExtensionContext context) {
        CalibrationRun.of(context).filter(run -> run.variation().threads() != null).ifPresent(run -> {
            boolean fixedByDeterministic = DeterministicExtension.annotation(context).isPresent()
                    && run.variation().deterministic();
            if (!fixedByDeterministic) {
                PyTorchEngine.get();   // loads libtorch, whose thread count this sets
                context.getStore(THREADS).put(Integer.class, JniUtils.getNumThreads());
                JniUtils.setNumThreads(run.variation().threads());
            }
        });
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Integer previous = context.getStore(THREADS).remove(Integer.class, Integer.class);
        if (previous != null) {
            JniUtils.setNumThreads(previous);
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Golden.class;
    }

    @Override
    public Golden resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return new Golden(GoldenSession.of(context));
    }

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                    ExtensionContext context) throws Throwable {
        proceedBound(invocation, context);
    }

    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation,
                                            ReflectiveInvocationContext<Method> invocationContext,
                                            ExtensionContext context) throws Throwable {
        GoldenSession.of(context).arguments(invocationContext.getArguments());
        proceedBound(invocation, context);
    }

    @Override
    public void interceptDynamicTest(Invocation<Void> invocation, DynamicTestInvocationContext invocationContext,
                                     ExtensionContext context) throws Throwable {
        proceedBound(invocation, context);
    }

    private static void proceedBound(Invocation<Void> invocation, ExtensionContext context) throws Throwable {
        try (GoldenSession.Binding binding = GoldenSession.of(context).bind()) {
            invocation.proceed();
        }
    }
}
