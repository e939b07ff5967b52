def goldens = new File(basedir, 'src/test/resources/goldens')
def log = new File(basedir, 'build.log').text
// The passing test's golden, and nothing else.
assert new File(goldens, 'kept/passing.json').isFile()
assert !new File(goldens, 'lost/failing.json').exists()
assert !new File(goldens, 'lost/killed.json').exists()
assert log =~ /reprodiff: goldens in .*: 2 new, 0 changed, 0 unchanged/
assert log.contains('[ERROR] reprodiff: golden lost/failing of RecordingTest#recordsThenFails was not written (the test failed (java.lang.AssertionError: fails after its assertion recorded))')
// The duplicate: the second invocation fails, naming both and a name with the parameter.
assert log.contains('Golden "lost/seed" (default) is recorded twice in this run: by it.RecordingTest#seeds [1] 1 and by it.RecordingTest#seeds [2] 2; one would overwrite the other, and the next run would fail. Give each invocation a golden of its own, with the parameter in its name, for example matchesGolden("lost/seed-" + parameter), which here gives "lost/seed-2"')
def seed = new groovy.json.JsonSlurper().parse(new File(goldens, 'lost/seed.json'))
assert seed.variants['default'].test == 'it.RecordingTest#seeds [1] 1'
// The killed fork.
assert log.contains('The forked VM terminated without properly saying goodbye')
assert log =~ /\[ERROR\] reprodiff: it\.KilledTest#recordsThenDies did not finish: its test JVM \(pid \d+\) ended first \(killed, crashed or System\.exit\), and its goldens were not written: lost\/killed/
true
