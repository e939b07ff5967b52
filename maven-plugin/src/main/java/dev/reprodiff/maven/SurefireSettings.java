package dev.reprodiff.maven;

import org.apache.maven.model.Plugin;
import org.apache.maven.model.PluginExecution;
import org.apache.maven.project.MavenProject;
import org.codehaus.plexus.util.xml.Xpp3Dom;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What Surefire would give the test JVM, read from the project's Surefire configuration. */
record SurefireSettings(Map<String, String> systemProperties, Map<String, String> environment, List<String> argLine) {

    static final String SUREFIRE = "org.apache.maven.plugins:maven-surefire-plugin";
    private static final Pattern LATE_PROPERTY = Pattern.compile("@\\{([^}]+)}");

    /** The plugin-level configuration merged with the {@code default-test} execution's, as Surefire sees it. */
    static SurefireSettings of(MavenProject project, Properties userProperties) {
        Xpp3Dom config = configuration(project);
        Map<String, String> properties = children(config, "systemPropertyVariables");
        Map<String, String> environment = children(config, "environmentVariables");
        Xpp3Dom argLine = config == null ? null : config.getChild("argLine");
        String line = argLine != null && argLine.getValue() != null ? argLine.getValue()
                : project.getProperties().getProperty("argLine", "");
        return new SurefireSettings(properties, environment, tokenize(lateReplace(line, project, userProperties)));
    }

    private static Xpp3Dom configuration(MavenProject project) {
        Plugin plugin = project.getPlugin(SUREFIRE);
        if (plugin == null && project.getPluginManagement() != null) {
            plugin = project.getPluginManagement().getPluginsAsMap().get(SUREFIRE);
        }
        if (plugin == null) {
            return null;
        }
        Xpp3Dom config = (Xpp3Dom) plugin.getConfiguration();
        PluginExecution execution = plugin.getExecutionsAsMap().get("default-test");
        if (execution != null && execution.getConfiguration() != null) {
            config = Xpp3Dom.mergeXpp3Dom(new Xpp3Dom((Xpp3Dom) execution.getConfiguration()), config);
        }
        return config;
    }

    private static Map<String, String> children(Xpp3Dom config, String name) {
        Map<String, String> values = new LinkedHashMap<>();
        Xpp3Dom parent = config == null ? null : config.getChild(name);
        if (parent != null) {
            for (Xpp3Dom child : parent.getChildren()) {
                values.put(child.getName(), child.getValue() == null ? "" : child.getValue().strip());
            }
        }
        return values;
    }

    /** Surefire's {@code @{property}} late replacement in argLine. */
    static String lateReplace(String line, MavenProject project, Properties userProperties) {
        Matcher matcher = LATE_PROPERTY.matcher(line);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String key = matcher.group(1);
            String value = userProperties.getProperty(key, project.getProperties().getProperty(key, ""));
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        return matcher.appendTail(out).toString();
    }

    /** Splits a command line on whitespace outside single or double quotes. */
    static List<String> tokenize(String line) {
        List<String> tokens = new ArrayList<>();
        StringBuilder token = new StringBuilder();
        char quote = 0;
        boolean inToken = false;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    token.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inToken = true;
            } else if (Character.isWhitespace(c)) {
                if (inToken) {
                    tokens.add(token.toString());
                    token.setLength(0);
                    inToken = false;
                }
            } else {
                token.append(c);
                inToken = true;
            }
        }
        if (inToken) {
            tokens.add(token.toString());
        }
        return tokens;
    }

    /**
     * A reprodiff setting as the tests will see it: a Surefire system property, else the module's
     * {@code junit-platform.properties}, else {@code fallback}.
     */
    String setting(MavenProject project, String key, String fallback) {
        if (systemProperties.containsKey(key) && !systemProperties.get(key).isEmpty()) {
            return systemProperties.get(key);
        }
        for (var resource : project.getTestResources()) {
            Path file = Path.of(resource.getDirectory(), "junit-platform.properties");
            if (Files.isRegularFile(file)) {
                Properties properties = new Properties();
                try (InputStream in = Files.newInputStream(file)) {
                    properties.load(in);
                } catch (IOException e) {
                    continue;
                }
                if (properties.getProperty(key) != null) {
                    return properties.getProperty(key).strip();
                }
            }
        }
        return fallback;
    }

    /** A path setting, relative to the module's folder as Surefire's working directory makes it. */
    Path path(MavenProject project, String key, String fallback) {
        return project.getBasedir().toPath().resolve(setting(project, key, fallback)).normalize();
    }
}
