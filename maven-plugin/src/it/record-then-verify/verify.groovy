def goldens = new File(basedir, 'src/test/resources/goldens')
assert new File(goldens, 'tiny/values.json').isFile()
assert new File(goldens, 'tiny/values.safetensors').isFile()
assert new File(goldens, 'tiny/other.safetensors').isFile()

def log = new File(basedir, 'build.log').text
assert log.contains('Goldens in ') && log.contains(': 4 new, 0 changed, 0 unchanged')
assert log.contains('new:       tiny/values.safetensors')
// The filtered second recording rewrote tiny/values with the same values and left tiny/other alone.
assert log.contains('unchanged: tiny/other.safetensors')
assert log.contains('changed:   tiny/values.json  (provenance only: the golden\'s tensors are unchanged)')
assert log.contains('Tests run: 1, passed: 1, failed: 0')
// record-missing: every golden exists, so all are verified and none is written.
assert log.contains('(record-missing, variant default)')
assert log.contains(': 0 new, 0 changed, 4 unchanged')
assert log.contains('Tests run: 3, Failures: 0, Errors: 0, Skipped: 0')

def report = new groovy.json.JsonSlurper().parse(new File(basedir, 'target/reprodiff/report/report.json'))
assert report.goldens.size() == 2
assert report.goldens.every { it.status == 'passed' && it.linf == 0 }
assert report.tests.size() == 3
assert new File(basedir, 'target/reprodiff/report/index.html').text.contains('tiny/values')
true
