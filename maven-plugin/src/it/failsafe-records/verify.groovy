def goldens = new File(basedir, 'src/test/resources/goldens')
def log = new File(basedir, 'build.log').text
assert new File(goldens, 'unit/values.json').isFile()
assert new File(goldens, 'integration/values.json').isFile()
assert log.contains('maven-failsafe-plugin:3.5.4:integration-test')
assert log.contains("reprodiff: goldens in ${goldens}: 2 new, 0 changed, 0 unchanged")
true
