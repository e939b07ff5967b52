def tree = new File(basedir, 'tree.txt').text
println tree
assert tree.contains('dev.reprodiff:reprodiff-junit-extension:jar:')
assert tree.contains('dev.reprodiff:reprodiff-core:jar:')
assert tree.contains('ai.djl.pytorch:pytorch-engine:jar:0.36.0:test')
// The application's choices, never brought by reprodiff:
assert !tree.contains('picocli')
assert !tree.contains('pytorch-native')
assert !tree.contains('pytorch-jni')
assert !(tree =~ /org\.slf4j:slf4j-(simple|reload4j|log4j12|jdk14|nop):/)
assert !tree.contains('ch.qos.logback') && !tree.contains('log4j-slf4j')
// The user's JUnit is the only JUnit: the extension neither pins nor adds another version.
def declared = new groovy.xml.XmlSlurper().parse(new File(basedir, 'pom.xml')).dependencies.dependency
        .find { it.artifactId.text() == 'junit-jupiter' }.version.text()
def junit = (tree =~ /org\.junit\.jupiter:[a-z-]+:jar:([0-9.]+)/).collect { it[1] }.unique()
assert junit == [declared]
assert tree.contains("org.junit.jupiter:junit-jupiter-api:jar:${declared}:test")
true
