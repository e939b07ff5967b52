def log = new File(basedir, 'build.log').text
assert log.contains('to match golden:')
assert log.contains('Mismatched elements: 1 / 4 (25.0%)')
assert log.contains('Tests run: 2, Failures: 1')
assert log.contains("Replay: mvn test -Dtest='TinyGoldenTest#tinyTensorMatchesItsGolden'")

def report = new groovy.json.JsonSlurper().parse(new File(basedir, 'target/reprodiff/report/report.json'))
def values = report.rows.find { it.golden == 'tiny/values' }.cells.values().first()
assert values.status == 'failed'
assert values.comparison.linf > 9e-4 && values.comparison.linf < 1.1e-3
assert values.comparison.mismatched == 1
assert report.tests.find { it.name.startsWith('tinyTensorMatchesItsGolden') }.status == 'failed'
true
