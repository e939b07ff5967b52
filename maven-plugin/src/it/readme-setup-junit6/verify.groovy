def goldens = new File(basedir, 'src/test/resources/goldens')
def log = new File(basedir, 'build.log').text

assert new File(goldens, 'tiny/values.json').isFile()
assert new File(goldens, 'tiny/other.json').isFile()
assert log.contains("reprodiff: goldens in ${goldens}: 2 new, 0 changed, 0 unchanged")
// runsOnTheJUnitOfThePom: the tests ran on JUnit 6.
assert log.contains('Tests run: 3, Failures: 0, Errors: 0, Skipped: 0')
assert !log.contains('NoSuchMethodError')
// 2. The same values again: unchanged, and one line for the partial run.
assert log.contains("reprodiff: goldens in ${goldens}: 0 new, 0 changed, 1 unchanged")
assert log.contains('  unchanged: tiny/values (default)  (same values; provenance rewritten)')
assert log.contains('reprodiff: partial run (-Dtest=TinyGoldenTest#tiny*): unread goldens not checked')
assert !log.contains('were not read by this run')

def report = new groovy.json.JsonSlurper().parse(new File(basedir, 'target/reprodiff/report/report.json'))
assert report.rows.size() == 2
assert report.rows.every { row -> row.cells.values().every { it.status == 'passed' } }
true
