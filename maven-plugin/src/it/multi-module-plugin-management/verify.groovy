def log = new File(basedir, 'build.log').text
['lib', 'app'].each { module ->
    def goldens = new File(basedir, "${module}/src/test/resources/goldens")
    assert new File(goldens, "${module}/values.json").isFile()
    assert log.contains("reprodiff: goldens in ${goldens}: 1 new, 0 changed, 0 unchanged")
}
// 2. The replay command runs from the root and selects the module; 3. it reproduces the failure.
def replay = "Replay: mvn test -pl app -am -Dsurefire.failIfNoSpecifiedTests=false -Dtest='AppGoldenTest#matchesItsGolden'"
assert log.contains(replay)
assert log.contains("Record: mvn test -pl app -am -Dsurefire.failIfNoSpecifiedTests=false -Dtest='AppGoldenTest#matchesItsGolden' -Dreprodiff.golden.mode=record")
assert log.findAll(/Tests run: 1, Failures: 1, Errors: 0, Skipped: 0/).size() >= 2
// 4. The aggregate has both modules, the last run's results: lib passed, app failed.
def report = new groovy.json.JsonSlurper().parse(new File(basedir, 'target/reprodiff/report/report.json'))
def byModule = report.rows.collectEntries { [(it.module): it.cells.values().first().status] }
assert byModule == ['app': 'failed', 'lib': 'passed']
true
