def report = new groovy.json.JsonSlurper().parse(new File(basedir, 'target/merged/report.json'))
assert report.platforms.size() == 2
assert report.platforms.contains('gpu NVIDIA H200')
def values = report.rows.find { it.golden == 'tiny/values' }
assert values.cells.size() == 2
assert values.cells['gpu NVIDIA H200'].status == 'passed'
assert values.cells['gpu NVIDIA H200'].comparison.linf == 2.4e-7
def cpu = values.cells.find { k, v -> k.startsWith('cpu ') }.value
assert cpu.status == 'passed' && cpu.comparison.linf == 0
assert report.problems.any { it.contains('broken.json: corrupt manifest at line 1') }
def html = new File(basedir, 'target/merged/index.html').text
assert html.contains('<th>gpu NVIDIA H200</th>')
assert new File(basedir, 'build.log').text =~ /reprodiff report: \d+ goldens passed, 0 failed, 0 corrupt, 2 on 2 platforms/
true
