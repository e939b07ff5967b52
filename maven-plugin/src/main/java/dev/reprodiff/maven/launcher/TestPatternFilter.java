package dev.reprodiff.maven.launcher;

import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.PostDiscoveryFilter;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Keeps the tests that Surefire's {@code -Dtest} would pick: comma-separated {@code Class} or {@code Class#method}
 * patterns with {@code *} wildcards, where the class is its simple name, its binary name without the package
 * ({@code Outer$Inner}) or its fully qualified name.
 */
public final class TestPatternFilter implements PostDiscoveryFilter {

    private final List<Pattern[]> patterns;

    public TestPatternFilter(String csv) {
        this.patterns = Arrays.stream(csv.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .map(TestPatternFilter::compile).toList();
    }

    private static Pattern[] compile(String pattern) {
        String[] parts = pattern.split("#", 2);
        String type = parts[0].replaceAll("\\.(java|class)$", "");
        return new Pattern[] {glob(type.isEmpty() ? "*" : type), parts.length > 1 ? glob(parts[1]) : null};
    }

    private static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        String[] parts = glob.split("\\*", -1);
        for (int i = 0; i < parts.length; i++) {
            regex.append(i > 0 ? ".*" : "").append(parts[i].isEmpty() ? "" : Pattern.quote(parts[i]));
        }
        return Pattern.compile(regex.toString());
    }

    @Override
    public FilterResult apply(TestDescriptor descriptor) {
        if (!(descriptor.getSource().orElse(null) instanceof MethodSource source)) {
            return FilterResult.included("not a method");
        }
        return FilterResult.includedIf(matches(source.getClassName(), source.getMethodName()),
                () -> "matches " + patterns.size() + " pattern(s)", () -> "matches no -Dreprodiff.tests pattern");
    }

    /** Whether {@code className#methodName} matches any pattern. */
    boolean matches(String className, String methodName) {
        String withoutPackage = className.substring(className.lastIndexOf('.') + 1);
        String simple = withoutPackage.substring(withoutPackage.lastIndexOf('$') + 1);
        for (Pattern[] pattern : patterns) {
            boolean type = pattern[0].matcher(className).matches() || pattern[0].matcher(withoutPackage).matches()
                    || pattern[0].matcher(simple).matches();
            if (type && (pattern[1] == null || pattern[1].matcher(methodName).matches())) {
                return true;
            }
        }
        return false;
    }
}
