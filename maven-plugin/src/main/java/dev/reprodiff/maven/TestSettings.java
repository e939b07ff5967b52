package dev.reprodiff.maven;

import org.apache.maven.model.Plugin;
import org.apache.maven.model.PluginExecution;
import org.apache.maven.project.MavenProject;
import org.codehaus.plexus.util.xml.Xpp3Dom;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * A reprodiff setting as the module's tests see it, in the order the JUnit extension reads it: the Maven command
 * line's {@code -D} (Surefire passes user properties to the test JVM), Surefire's {@code systemPropertyVariables},
 * its JUnit {@code configurationParameters}, the module's {@code junit-platform.properties}, else the default;
 * relative paths from Surefire's working directory (the module's folder unless {@code workingDirectory} says
 * otherwise).
 */
final class TestSettings {

    static final String SUREFIRE = "org.apache.maven.plugins:maven-surefire-plugin";

    private final MavenProject project;
    private final Properties userProperties;
    private final Map<String, String> systemProperties;
    private final Map<String, String> configurationParameters;
    private final Path workingDirectory;

    private TestSettings(MavenProject project, Properties userProperties, Xpp3Dom surefire) {
        this.project = project;
        this.userProperties = userProperties;
        this.systemProperties = children(surefire, "systemPropertyVariables");
        this.configurationParameters = configurationParameters(surefire);
        Xpp3Dom dir = surefire == null ? null : surefire.getChild("workingDirectory");
        Path basedir = project.getBasedir().toPath();
        this.workingDirectory = dir == null || dir.getValue() == null || dir.getValue().isBlank() ? basedir
                : basedir.resolve(dir.getValue().strip());
    }

    static TestSettings of(MavenProject project, Properties userProperties) {
        return new TestSettings(project, userProperties, configuration(project));
    }

    /** The value the tests read for {@code key}, if anything sets it. */
    Optional<String> get(String key) {
        for (String value : new String[] {userProperties.getProperty(key), systemProperties.get(key),
                configurationParameters.get(key), fromJunitPlatformProperties(key)}) {
            if (value != null && !value.isBlank()) {
                return Optional.of(value.strip());
            }
        }
        return Optional.empty();
    }

    /** A path setting, resolved as the test JVM resolves it. */
    Path path(String key, String fallback) {
        return workingDirectory.resolve(get(key).orElse(fallback)).toAbsolutePath().normalize();
    }

    /** The plugin-level configuration merged with the {@code default-test} execution's, as Surefire sees it. */
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

    /** Surefire's {@code <properties><configurationParameters>}: lines of {@code key = value}. */
    private static Map<String, String> configurationParameters(Xpp3Dom config) {
        Map<String, String> values = new LinkedHashMap<>();
        Xpp3Dom properties = config == null ? null : config.getChild("properties");
        Xpp3Dom parameters = properties == null ? null : properties.getChild("configurationParameters");
        if (parameters != null && parameters.getValue() != null) {
            Properties parsed = new Properties();
            try {
                parsed.load(new StringReader(parameters.getValue()));
            } catch (IOException e) {
                throw new IllegalStateException("Reading a string cannot fail", e);
            }
            parsed.stringPropertyNames().forEach(key -> values.put(key, parsed.getProperty(key)));
        }
        return values;
    }

    private String fromJunitPlatformProperties(String key) {
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
                    return properties.getProperty(key);
                }
            }
        }
        return null;
    }
}
