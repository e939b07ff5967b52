def goldens = new File(basedir, 'src/test/resources/goldens')
def log = new File(basedir, 'build.log').text

// 1. Recorded by the tests' own assertions, run by Surefire, into content-addressed files.
assert new File(goldens, 'tiny/values.json').isFile()
assert new File(goldens, 'tiny').list().findAll { it ==~ /values\.[0-9a-f]{16}\.safetensors/ }.size() == 1
assert log.contains('reprodiff: the tests of this build record goldens (-Dreprodiff.golden.mode=record, run mvn-')
assert log.contains("reprodiff: goldens in ${goldens}: 2 new, 0 changed, 0 unchanged")
assert log =~ /  new:       tiny\/values \(default\)  tiny\/values\.[0-9a-f]{16}\.safetensors, \d+ B/
assert log.contains('Tests run: 3, Failures: 0, Errors: 0, Skipped: 0')
// 2. Nothing missing: both verified, nothing written.
assert log.contains('-Dreprodiff.golden.mode=record-missing, run mvn-')
assert log.contains('reprodiff: 2 goldens verified')
// 3. The user's folder, and the budget.
def alt = new File(basedir, 'alt')
assert new File(alt, 'tiny/values.json').isFile()
assert log.contains("reprodiff: goldens in ${alt}: 2 new, 0 changed, 0 unchanged")
assert log =~ /reprodiff: golden tiny\/values \(default\) is \d+ B, over the 10 B budget \(-Dreprodiff.golden.sizeBudget\): keep goldens this large in Git LFS/
// 4. The old name fails, naming the new one; nothing was written for it.
assert log.contains('-Dreprodiff.goldenDir is no longer read by the reprodiff plugin: use -Dreprodiff.golden.dir, the name the JUnit extension reads.')
assert !new File(basedir, 'x').exists()
// 5, 6. Verified by Surefire; the report lists both goldens as passed, on one platform.
def report = new groovy.json.JsonSlurper().parse(new File(basedir, 'target/reprodiff/report/report.json'))
assert report.format == 'reprodiff-report/2'
assert report.rows.size() == 2
assert report.platforms.size() == 1
assert report.rows.every { row -> row.cells.values().every { it.status == 'passed' && it.comparison.linf == 0 } }
assert report.tests.size() == 3
assert new File(basedir, 'target/reprodiff/report/index.html').text.contains('tiny/values')
true
