def goldens = new File(basedir, 'src/test/resources/goldens/selected')
def log = new File(basedir, 'build.log').text
assert goldens.list().toList().sort() == ['fast.json', goldens.list().find { it ==~ /fast@cpu\.[0-9a-f]{16}\.safetensors/ }].sort()
def manifest = new groovy.json.JsonSlurper().parse(new File(goldens, 'fast.json'))
assert manifest.variants.keySet() == ['cpu'] as Set
assert log.contains('Tests run: 1, Failures: 0, Errors: 0, Skipped: 0')
assert log =~ /reprodiff: goldens in .*: 1 new, 0 changed, 0 unchanged/
assert log.contains('  new:       selected/fast (cpu)')
assert !log.contains('selected/slow') && !log.contains('selected/excluded')
// The JUnit 6 pass of .ci/run (-Djunit.version=6.1.3) runs this project on JUnit 6, the first pass on 5.14.
assert log.contains("JUnit Jupiter ${junitVersion}")
true
