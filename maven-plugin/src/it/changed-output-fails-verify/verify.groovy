def log = new File(basedir, 'build.log').text
assert log.contains('to match golden:')
assert log.contains('Mismatched elements: 1 / 4 (25.0%)')
assert log.contains('Tests run: 3, Failures: 1')

def report = new groovy.json.JsonSlurper().parse(new File(basedir, 'target/reprodiff/report/report.json'))
def values = report.goldens.find { it.golden == 'tiny/values' }
assert values.status == 'failed'
assert values.linf > 9e-4 && values.linf < 1.1e-3
assert report.tests.find { it.name.startsWith('tinyTensorMatchesItsGolden') }.status == 'failed'
true
