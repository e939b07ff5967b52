def log = new File(basedir, 'build.log').text
assert log =~ /reprodiff: non-deterministic under @Deterministic: walk\/steps \(TrajectoryTest#trajectoryMatchesItsGolden\) on cpu "[^"]+" \([^)]*1 thread\): run 3 \(threads-1\) computed other values than run 1, first at step 2 of 4; a finding, not a tolerance: no tolerance proposed for it/
assert log.contains('walk/steps sameCpuModel: observed max 9.5e-07')
assert log.contains('-> no proposal (non-deterministic)')
assert !log.contains('non-deterministic under @Deterministic: steady/values')

def calibration = new groovy.json.JsonSlurper().parse(new File(basedir, 'src/test/resources/goldens/calibration.json'))
assert calibration.non_deterministic.size() == 1
def finding = calibration.non_deterministic[0]
assert finding.golden == 'walk/steps'
assert finding.first_run == 1 && finding.runs == [3]
assert finding.first_differing_step == 2 && finding.steps == 4
def walk = calibration.goldens.find { it.golden == 'walk/steps' }
assert walk.proposed_atol == null
assert walk.step_max_linf.size() == 4 && walk.step_max_linf[0] == 0 && walk.step_max_linf[2] > 9e-7
assert calibration.goldens.find { it.golden == 'steady/values' }.proposed_atol == 0

// The finding is not turned into a tolerance: only steady/values got one.
def profile = new groovy.json.JsonSlurper().parse(new File(basedir, 'src/test/resources/goldens/tolerances.json'))
assert profile.goldens.keySet() as List == ['steady/values']
true
